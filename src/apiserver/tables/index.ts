// Server-side printing (`as=Table`): the meta.k8s.io/v1 Table kubectl
// prints, with each row carrying the object (or its metadata) as asked.
import { PRINTERS } from './printers.ts';
import type { Column } from './columns.ts';
import { age } from './format.ts';

export { humanDuration } from './format.ts';

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  now?: Date;
}

const DEFAULT_COLUMNS: Column[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

function rowObject(obj: any, include: TableOptions['includeObject']): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function tableFor(group: string, kind: string, objects: any[], opts: TableOptions): any {
  const now = opts.now ?? new Date();
  const printer = PRINTERS[`${group}/${kind}`];
  const columns = printer?.columns ?? DEFAULT_COLUMNS;
  const rows = objects.map((o) => {
    const cells = printer ? printer.row(o, now) : [o.metadata?.name, o.metadata?.creationTimestamp ?? age(undefined, now)];
    const object = rowObject(o, opts.includeObject);
    return { cells, ...(object !== undefined ? { object } : {}) };
  });
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows,
  };
}
