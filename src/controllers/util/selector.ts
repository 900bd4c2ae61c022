// Label selectors as the workload controllers use them: a LabelSelector
// (apps, batch) or, for ReplicationControllers, a plain map of labels.
import { selectorIsEmpty, selectorMatches } from '../../api/core/v1/selector.ts';

export function selectorMatcher(selector: unknown, kind: string): (labels: Record<string, string>) => boolean {
  if (kind === 'ReplicationController') {
    const wanted = (selector ?? {}) as Record<string, string>;
    if (Object.keys(wanted).length === 0) return () => false;
    return (labels) => Object.entries(wanted).every(([k, v]) => labels[k] === v);
  }
  // An empty selector selects nothing for controllers (upstream refuses to adopt with one).
  if (selectorIsEmpty(selector)) return () => false;
  return (labels) => selectorMatches(selector, labels);
}
