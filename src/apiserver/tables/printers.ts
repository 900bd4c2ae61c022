// Column definitions and rows per kind, as kube-apiserver's printers.
// Columns with priority 1 are the `-o wide` ones.
import { age, containersAndImages, mapSelector, none, selectorString } from './format.ts';
import { podRow } from './pod.ts';
import { AGE, NAME, col, created, name } from './columns.ts';
import type { Printer } from './columns.ts';
import { VOLUME_PRINTERS } from './volumes.ts';
import { AUTOSCALING_PRINTERS } from './autoscaling.ts';

export type { Column, Printer } from './columns.ts';

const CONTAINERS = col('Containers', 'Names of each container in the template.', 'string', 1);
const IMAGES = col('Images', 'Images referenced by each container in the template.', 'string', 1);
const SELECTOR = col('Selector', 'Label selector for pods.', 'string', 1);


function ports(svc: any): string {
  const ps: any[] = svc.spec?.ports ?? [];
  if (ps.length === 0) return '<none>';
  return ps.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function externalIP(svc: any): string {
  const type = svc.spec?.type ?? 'ClusterIP';
  const ext: string[] = svc.spec?.externalIPs ?? [];
  const lb: string[] = (svc.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname).filter(Boolean);
  if (type === 'ExternalName') return svc.spec?.externalName ?? '<none>';
  if (type === 'LoadBalancer') return [...lb, ...ext].join(',') || '<pending>';
  return ext.length ? ext.join(',') : '<none>';
}

function nodeStatus(node: any): string {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(node: any): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role') roles.add(String(v));
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function address(node: any, type: string): string {
  return (node.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
}

function endpointsText(ep: any): string {
  const list: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{}]) list.push(p.port ? `${a.ip}:${p.port}` : a.ip);
  if (list.length === 0) return '<none>';
  return list.length > 3 ? `${list.slice(0, 3).join(',')} + ${list.length - 3} more...` : list.join(',');
}

function jobStatus(job: any): string {
  const conds: any[] = job.status?.conditions ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}

function jobDuration(job: any, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return age(new Date(Date.parse(start)).toISOString(), new Date(end));
}

function jobCompletions(job: any): string {
  const done = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec?.completions !== null) return `${done}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${done}/1 of ${parallelism}` : `${done}/1`;
}

function eventObject(e: any): string {
  const o = e.involvedObject ?? e.regarding ?? {};
  return `${String(o.kind ?? '').toLowerCase()}/${o.name ?? ''}`;
}

function eventLastSeen(e: any, now: Date): string {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return age(t, now);
}

export const PRINTERS: Record<string, Printer> = {
  '/Pod': {
    columns: [NAME, col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'), col('Status', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'), AGE,
      col('IP', 'IP address allocated to the pod.', 'string', 1), col('Node', 'Name of the node the pod is assigned to.', 'string', 1),
      col('Nominated Node', 'Name of the node this pod is nominated to run on after preemption.', 'string', 1), col('Readiness Gates', 'Pod readiness gates.', 'string', 1)],
    row: (o, now) => { const r = podRow(o, now); return [...r.cells, ...r.wide]; },
  },
  'apps/Deployment': {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', 'integer'),
      col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', 'integer'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, o.status?.updatedReplicas ?? 0, o.status?.availableReplicas ?? 0, created(o, now),
      ...containersAndImages(o.spec?.template?.spec), selectorString(o.spec?.selector)],
  },
  'apps/ReplicaSet': {
    columns: [NAME, col('Desired', 'Number of desired pods.', 'integer'), col('Current', 'Number of actually running pods.', 'integer'), col('Ready', 'Number of ready pods.', 'integer'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, created(o, now), ...containersAndImages(o.spec?.template?.spec), selectorString(o.spec?.selector)],
  },
  '/ReplicationController': {
    columns: [NAME, col('Desired', 'Number of desired pods.', 'integer'), col('Current', 'Number of actually running pods.', 'integer'), col('Ready', 'Number of ready pods.', 'integer'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, created(o, now), ...containersAndImages(o.spec?.template?.spec), mapSelector(o.spec?.selector)],
  },
  'policy/PodDisruptionBudget': {
    columns: [NAME, col('Min Available', 'The minimum number of pods that must be available simultaneously.'), col('Max Unavailable', 'The maximum number of pods that may be unavailable simultaneously.'),
      col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', 'integer'), AGE],
    row: (o, now) => [name(o), String(o.spec?.minAvailable ?? 'N/A'), String(o.spec?.maxUnavailable ?? 'N/A'), o.status?.disruptionsAllowed ?? 0, created(o, now)],
  },
  '/ResourceQuota': {
    columns: [NAME, AGE, col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'), col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
    row: (o, now) => {
      const hard: Record<string, string> = o.status?.hard ?? o.spec?.hard ?? {};
      const used: Record<string, string> = o.status?.used ?? {};
      const part = (limits: boolean) => Object.keys(hard).filter((k) => k.startsWith('limits.') === limits).sort()
        .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`).join(', ');
      return [name(o), created(o, now), part(false), part(true)];
    },
  },
  'apps/StatefulSet': {
    columns: [NAME, col('Ready', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
    row: (o, now) => [name(o), `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, created(o, now), ...containersAndImages(o.spec?.template?.spec)],
  },
  'apps/DaemonSet': {
    columns: [NAME, col('Desired', 'The desired number of nodes that should be running the daemon pod.', 'integer'), col('Current', 'The number of nodes that are running at least 1 daemon pod.', 'integer'),
      col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', 'integer'),
      col('Up-to-date', 'The total number of nodes that are running updated daemon pod', 'integer'), col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.', 'integer'),
      col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), o.status?.desiredNumberScheduled ?? 0, o.status?.currentNumberScheduled ?? 0, o.status?.numberReady ?? 0, o.status?.updatedNumberScheduled ?? 0,
      o.status?.numberAvailable ?? 0, mapSelector(o.spec?.template?.spec?.nodeSelector), created(o, now), ...containersAndImages(o.spec?.template?.spec), selectorString(o.spec?.selector)],
  },
  'batch/Job': {
    columns: [NAME, col('Status', 'Status of the job.'), col('Completions', 'The completion status of the job'), col('Duration', 'Time required to complete the job.'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), created(o, now),
      ...containersAndImages(o.spec?.template?.spec), selectorString(o.spec?.selector)],
  },
  'batch/CronJob': {
    columns: [NAME, col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'), col('Timezone', 'The time zone name for the given schedule.'),
      col('Suspend', 'This flag tells the controller to suspend subsequent executions.', 'boolean'), col('Active', 'A list of pointers to currently running jobs.', 'integer'),
      col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row: (o, now) => [name(o), o.spec?.schedule, none(o.spec?.timeZone), String(o.spec?.suspend ?? false), (o.status?.active ?? []).length,
      o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>', created(o, now), ...containersAndImages(o.spec?.jobTemplate?.spec?.template?.spec),
      selectorString(o.spec?.jobTemplate?.spec?.selector)],
  },
  '/Service': {
    columns: [NAME, col('Type', 'type determines how the Service is exposed.'), col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'The list of ports that are exposed by this service.'), AGE, col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', 'string', 1)],
    row: (o, now) => [name(o), o.spec?.type ?? 'ClusterIP', none(o.spec?.clusterIP), externalIP(o), ports(o), created(o, now), mapSelector(o.spec?.selector)],
  },
  '/Endpoints': {
    columns: [NAME, col('Endpoints', 'Endpoints of the service'), AGE],
    row: (o, now) => [name(o), endpointsText(o), created(o, now)],
  },
  '/Node': {
    columns: [NAME, col('Status', 'The status of the node'), col('Roles', 'The roles of the node'), AGE, col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs.', 'string', 1), col('External-IP', 'List of external IPs.', 'string', 1), col('OS-Image', 'OS image reported by the node.', 'string', 1),
      col('Kernel-Version', 'Kernel version reported by the node.', 'string', 1), col('Container-Runtime', 'Container runtime reported by the node.', 'string', 1)],
    row: (o, now) => [name(o), nodeStatus(o), nodeRoles(o), created(o, now), o.status?.nodeInfo?.kubeletVersion ?? '', address(o, 'InternalIP'), address(o, 'ExternalIP'),
      o.status?.nodeInfo?.osImage ?? '<unknown>', o.status?.nodeInfo?.kernelVersion ?? '<unknown>', o.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>'],
  },
  '/Namespace': {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    row: (o, now) => [name(o), o.status?.phase ?? '', created(o, now)],
  },
  '/ConfigMap': {
    columns: [NAME, col('Data', 'Number of data entries.', 'integer'), AGE],
    row: (o, now) => [name(o), Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, created(o, now)],
  },
  '/Secret': {
    columns: [NAME, col('Type', 'The type of the secret'), col('Data', 'Number of data entries.', 'integer'), AGE],
    row: (o, now) => [name(o), o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, created(o, now)],
  },
  '/ServiceAccount': {
    columns: [NAME, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', 'integer'), AGE],
    row: (o, now) => [name(o), (o.secrets ?? []).length, created(o, now)],
  },
  '/Event': {
    columns: [col('Last Seen', 'Time when last event occurred'), col('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      col('Reason', 'Short, machine understandable string that gives the reason for this event being generated.'), col('Object', 'The object that this event is about.'),
      col('Message', 'A human-readable description of the status of this operation.'), col('Subobject', 'Field path of the object that this event is about.', 'string', 1),
      col('Source', 'The component reporting this event.', 'string', 1), col('First Seen', 'Time when first event occurred', 'string', 1),
      col('Count', 'The number of times this event has occurred.', 'integer', 1), { ...NAME, priority: 1 }],
    row: (o, now) => [eventLastSeen(o, now), o.type ?? '', o.reason ?? '', eventObject(o), String(o.message ?? '').trim(), o.involvedObject?.fieldPath ?? '',
      [o.source?.component ?? o.reportingComponent, o.source?.host].filter(Boolean).join(', '), age(o.firstTimestamp ?? o.eventTime ?? o.metadata?.creationTimestamp, now), o.count ?? 1, name(o)],
  },
  'coordination.k8s.io/Lease': {
    columns: [NAME, col('Holder', 'The holder of the lease'), AGE],
    row: (o, now) => [name(o), o.spec?.holderIdentity ?? '', created(o, now)],
  },
  'apps/ControllerRevision': {
    columns: [NAME, col('Controller', 'Controller of the object'), col('Revision', 'Revision of the ControllerRevision', 'integer'), AGE],
    row: (o, now) => {
      const ref = (o.metadata?.ownerReferences ?? []).find((r: any) => r.controller);
      return [name(o), ref ? `${String(ref.kind).toLowerCase()}.${String(ref.apiVersion).split('/')[0]}/${ref.name}` : '<none>', o.revision ?? 0, created(o, now)];
    },
  },
  'scheduling.k8s.io/PriorityClass': {
    columns: [NAME, col('Value', 'Value of the priority class', 'integer'), col('Global-Default', 'If this is the global default', 'boolean'), AGE,
      col('PreemptionPolicy', 'The preemption policy', 'string')],
    row: (o, now) => [name(o), o.value ?? 0, o.globalDefault ?? false, created(o, now), o.preemptionPolicy ?? 'PreemptLowerPriority'],
  },
  'storage.k8s.io/StorageClass': {
    columns: [NAME, col('Provisioner', 'Indicates the type of the provisioner.'), col('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
      col('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'), col('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.', 'boolean'), AGE],
    row: (o, now) => [o.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? `${name(o)} (default)` : name(o), o.provisioner ?? '',
      o.reclaimPolicy ?? 'Delete', o.volumeBindingMode ?? 'Immediate', o.allowVolumeExpansion ?? false, created(o, now)],
  },
  ...VOLUME_PRINTERS,
  ...AUTOSCALING_PRINTERS,
};
