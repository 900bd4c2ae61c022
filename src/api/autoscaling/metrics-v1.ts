// The autoscaling/v1 MetricSpec and MetricStatus shapes that upstream puts
// in the `autoscaling.alpha.kubernetes.io/metrics` and `…/current-metrics`
// annotations of a v1 HPA (the old v2beta1 layout: metricName,
// targetAverageValue, currentAverageValue…), converted to and from the
// autoscaling/v2 shapes. Go marshals these structs in field order and
// prints a non-pointer Quantity that is unset as "0"; both are kept here.

type Obj = Record<string, any>;

/** Drops undefined values so that JSON matches Go's omitempty. */
function compact(o: Obj): Obj {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function refToV1(ref: Obj | undefined): Obj {
  return compact({ kind: ref?.kind ?? '', name: ref?.name ?? '', apiVersion: ref?.apiVersion || undefined });
}

function refFromV1(ref: Obj | undefined): Obj {
  return compact({ kind: ref?.kind ?? '', name: ref?.name ?? '', apiVersion: ref?.apiVersion || undefined });
}

function identifier(name: unknown, selector: unknown): Obj {
  return compact({ name: name ?? '', selector: selector ?? undefined });
}

export function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.object) {
    const t = m.object.target ?? {};
    out.object = compact({
      target: refToV1(m.object.describedObject), metricName: m.object.metric?.name ?? '', targetValue: t.value ?? '0',
      selector: m.object.metric?.selector, averageValue: t.averageValue,
    });
  }
  if (m.pods) {
    out.pods = compact({ metricName: m.pods.metric?.name ?? '', targetAverageValue: m.pods.target?.averageValue ?? '0', selector: m.pods.metric?.selector });
  }
  if (m.resource) {
    const t = m.resource.target ?? {};
    out.resource = compact({ name: m.resource.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue });
  }
  if (m.containerResource) {
    const t = m.containerResource.target ?? {};
    out.containerResource = compact({
      name: m.containerResource.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue, container: m.containerResource.container,
    });
  }
  if (m.external) {
    const t = m.external.target ?? {};
    out.external = compact({
      metricName: m.external.metric?.name ?? '', metricSelector: m.external.metric?.selector, targetValue: t.value, targetAverageValue: t.averageValue,
    });
  }
  return out;
}

function resourceTargetFromV1(r: Obj): Obj {
  const utilization = r.targetAverageUtilization;
  return compact({
    type: utilization === undefined || utilization === null ? 'AverageValue' : 'Utilization',
    averageValue: r.targetAverageValue ?? undefined, averageUtilization: utilization ?? undefined,
  });
}

export function metricSpecFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.object) {
    const o = m.object;
    out.object = {
      describedObject: refFromV1(o.target), metric: identifier(o.metricName, o.selector),
      target: compact({ type: o.averageValue == null ? 'Value' : 'AverageValue', value: o.targetValue ?? undefined, averageValue: o.averageValue ?? undefined }),
    };
  }
  if (m.pods) {
    out.pods = { metric: identifier(m.pods.metricName, m.pods.selector), target: compact({ type: 'AverageValue', averageValue: m.pods.targetAverageValue ?? undefined }) };
  }
  if (m.resource) out.resource = { name: m.resource.name, target: resourceTargetFromV1(m.resource) };
  if (m.containerResource) {
    out.containerResource = { name: m.containerResource.name, target: resourceTargetFromV1(m.containerResource), container: m.containerResource.container };
  }
  if (m.external) {
    const e = m.external;
    out.external = {
      metric: identifier(e.metricName, e.metricSelector),
      target: compact({ type: e.targetAverageValue == null ? 'Value' : 'AverageValue', value: e.targetValue ?? undefined, averageValue: e.targetAverageValue ?? undefined }),
    };
  }
  return out;
}

export function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.object) {
    const c = m.object.current ?? {};
    out.object = compact({
      target: refToV1(m.object.describedObject), metricName: m.object.metric?.name ?? '', currentValue: c.value ?? '0',
      selector: m.object.metric?.selector, averageValue: c.averageValue,
    });
  }
  if (m.pods) {
    out.pods = compact({ metricName: m.pods.metric?.name ?? '', currentAverageValue: m.pods.current?.averageValue ?? '0', selector: m.pods.metric?.selector });
  }
  if (m.resource) {
    const c = m.resource.current ?? {};
    out.resource = compact({ name: m.resource.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue ?? '0' });
  }
  if (m.containerResource) {
    const c = m.containerResource.current ?? {};
    out.containerResource = compact({
      name: m.containerResource.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue ?? '0', container: m.containerResource.container,
    });
  }
  if (m.external) {
    const c = m.external.current ?? {};
    out.external = compact({
      metricName: m.external.metric?.name ?? '', metricSelector: m.external.metric?.selector, currentValue: c.value ?? '0', currentAverageValue: c.averageValue,
    });
  }
  return out;
}

export function metricStatusFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.object) {
    const o = m.object;
    out.object = {
      metric: identifier(o.metricName, o.selector), current: compact({ value: o.currentValue ?? undefined, averageValue: o.averageValue ?? undefined }),
      describedObject: refFromV1(o.target),
    };
  }
  if (m.pods) out.pods = { metric: identifier(m.pods.metricName, m.pods.selector), current: compact({ averageValue: m.pods.currentAverageValue ?? undefined }) };
  if (m.resource) {
    out.resource = { name: m.resource.name, current: compact({ averageValue: m.resource.currentAverageValue ?? undefined, averageUtilization: m.resource.currentAverageUtilization ?? undefined }) };
  }
  if (m.containerResource) {
    const r = m.containerResource;
    out.containerResource = {
      name: r.name, current: compact({ averageValue: r.currentAverageValue ?? undefined, averageUtilization: r.currentAverageUtilization ?? undefined }), container: r.container,
    };
  }
  if (m.external) {
    const e = m.external;
    out.external = { metric: identifier(e.metricName, e.metricSelector), current: compact({ value: e.currentValue ?? undefined, averageValue: e.currentAverageValue ?? undefined }) };
  }
  return out;
}
