// A pod's nodeSelector and required node affinity, compiled once per pod
// object into a test that Filter (NodeAffinity, and PodTopologySpread's
// nodeAffinityPolicy) runs against every node it visits: value lists
// become sets, and nothing is allocated per node. Same rules as
// podMatchesNodeSelectorAndAffinity in selectors.ts.
import type { Labels, NodeSelectorTerm, Requirement } from './selectors.ts';
import { matchRequirement } from './selectors.ts';

type Test = (labels: Labels, name: string) => boolean;

function compileRequirement(r: Requirement, field: boolean): Test {
  if (field) {
    // metadata.name is the only supported field.
    if (r.key !== 'metadata.name') return () => false;
    return (_labels, name) => matchRequirement(r, { 'metadata.name': name }, false);
  }
  const key = r.key;
  if (r.operator === 'In' || r.operator === 'NotIn') {
    const values = new Set(r.values ?? []);
    const want = r.operator === 'In';
    return (labels) => {
      const has = labels !== undefined && Object.hasOwn(labels, key);
      return want ? has && values.has(labels![key]) : !has || !values.has(labels![key]);
    };
  }
  return (labels) => matchRequirement(r, labels, true);
}

function compileTerm(t: NodeSelectorTerm): Test {
  const tests = [...(t.matchExpressions ?? []).map((r) => compileRequirement(r, false)), ...(t.matchFields ?? []).map((r) => compileRequirement(r, true))];
  // A term with no requirements matches no node.
  if (tests.length === 0) return () => false;
  return (labels, name) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i](labels, name)) return false;
    return true;
  };
}

export type NodeMatcher = (node: any) => boolean;

const compiled = new WeakMap<object, NodeMatcher>();

function compile(pod: any): NodeMatcher {
  const selector = Object.entries<string>(pod.spec?.nodeSelector ?? {});
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = req ? ((req.nodeSelectorTerms ?? []) as NodeSelectorTerm[]).map(compileTerm) : undefined;
  if (selector.length === 0 && !terms) return () => true;
  return (node) => {
    const labels = node.metadata?.labels;
    for (let i = 0; i < selector.length; i++) if ((labels ?? {})[selector[i][0]] !== selector[i][1]) return false;
    if (!terms) return true;
    const name = node.metadata?.name;
    for (let i = 0; i < terms.length; i++) if (terms[i](labels, name)) return true;
    return false;
  };
}

/** The pod's node matcher (cached per pod object: pods in the scheduler are never modified in place). */
export function nodeMatcher(pod: any): NodeMatcher {
  let m = compiled.get(pod);
  if (!m) compiled.set(pod, (m = compile(pod)));
  return m;
}
