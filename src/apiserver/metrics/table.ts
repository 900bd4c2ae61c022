// `kubectl get nodemetrics|podmetrics` (as=Table): the columns
// metrics-server prints, name, CPU, memory and window, a pod's usage being
// the sum of its containers'.
import { parseQuantity, formatQuantity, addQuantity } from '../../machinery/quantity.ts';
import type { Quantity } from '../../machinery/quantity.ts';

const COLUMNS = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
  { name: 'CPU', type: 'string', format: '', description: 'CPU usage', priority: 0 },
  { name: 'Memory', type: 'string', format: '', description: 'Memory usage', priority: 0 },
  { name: 'Window', type: 'string', format: '', description: 'Interval over which the usage was computed', priority: 0 },
];

function sum(values: string[], format: Quantity['format']): string {
  let total: Quantity = { nanos: 0n, format };
  for (const v of values) total = addQuantity(total, parseQuantity(v));
  return formatQuantity({ ...total, format });
}

function usage(obj: any): { cpu: string; memory: string } {
  if (obj.usage) return { cpu: obj.usage.cpu, memory: obj.usage.memory };
  const cs: any[] = obj.containers ?? [];
  return { cpu: sum(cs.map((c) => c.usage.cpu), 'DecimalSI'), memory: sum(cs.map((c) => c.usage.memory), 'BinarySI') };
}

export function metricsTable(items: any[], includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata'): object {
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {}, columnDefinitions: COLUMNS,
    rows: items.map((o) => {
      const u = usage(o);
      const object = includeObject === 'None' ? undefined
        : includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return { cells: [o.metadata.name, u.cpu, u.memory, o.window], ...(object ? { object } : {}) };
    }),
  };
}
