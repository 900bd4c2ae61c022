// Validation of batch/v1 Jobs and CronJobs for the common mistakes, with
// upstream's paths and messages.
import type { FieldError } from '../../core/v1/errors.ts';
import { required, invalid, notSupported, immutable, nonNegative, isObj, deepEqual } from '../../core/v1/checks.ts';
import { validatePodTemplateSpec } from '../../core/v1/pod-validation.ts';
import { validateSelectorAndTemplate } from '../../core/v1/selector.ts';

const RESTART = ['OnFailure', 'Never'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT = ['Failed', 'TerminatingOrFailed'];

/** The parts of a JobSpec a CronJob's job template shares with a Job. */
function validateJobSpecCommon(spec: any, path: string): FieldError[] {
  const s = isObj(spec) ? spec : {};
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(`${path}.${f}`, s[f]));
  }
  if (s.completionMode && !COMPLETION_MODES.includes(s.completionMode)) errs.push(notSupported(`${path}.completionMode`, s.completionMode, COMPLETION_MODES));
  if (s.completionMode === 'Indexed' && s.completions == null) errs.push(required(`${path}.completions`, 'when completion mode is Indexed'));
  if (s.podReplacementPolicy && !REPLACEMENT.includes(s.podReplacementPolicy)) {
    errs.push(notSupported(`${path}.podReplacementPolicy`, s.podReplacementPolicy, REPLACEMENT));
  }
  if (s.template == null) errs.push(required(`${path}.template`));
  else {
    errs.push(...validatePodTemplateSpec(s.template, `${path}.template`));
    const rp = s.template?.spec?.restartPolicy;
    if (!RESTART.includes(rp)) errs.push(notSupported(`${path}.template.spec.restartPolicy`, rp ?? '', RESTART));
  }
  return errs;
}

export function validateJob(job: any): FieldError[] {
  const spec = isObj(job?.spec) ? job.spec : {};
  const errs = validateJobSpecCommon(spec, 'spec');
  if (spec.manualSelector === true) errs.push(...validateSelectorAndTemplate(spec, 'job'));
  else {
    const uid = job?.metadata?.uid;
    const generated = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    if (uid && spec.selector != null && !deepEqual(spec.selector, generated)) {
      errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
    } else errs.push(...validateSelectorAndTemplate(spec, 'job'));
  }
  return errs;
}

/** What a suspended Job that never started may still change in its pod template. */
function schedulingOnly(template: any): any {
  const t = structuredClone(isObj(template) ? template : {});
  if (isObj(t.metadata)) {
    delete t.metadata.labels;
    delete t.metadata.annotations;
  }
  if (isObj(t.spec)) for (const f of ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']) delete t.spec[f];
  return t;
}

export function validateJobUpdate(job: any, old: any): FieldError[] {
  const errs = validateJobSpecCommon(job?.spec, 'spec');
  const s = isObj(job?.spec) ? job.spec : {};
  const o = isObj(old?.spec) ? old.spec : {};
  if (!deepEqual(s.selector, o.selector)) errs.push(immutable('spec.selector', s.selector));
  const mutableScheduling = o.suspend === true && old?.status?.startTime == null;
  const same = mutableScheduling ? deepEqual(schedulingOnly(s.template), schedulingOnly(o.template)) : deepEqual(s.template, o.template);
  if (!same) errs.push(immutable('spec.template', s.template));
  // Elastic indexed jobs may change completions together with parallelism.
  const elastic = s.completionMode === 'Indexed' && s.completions === s.parallelism;
  if (s.completions !== o.completions && !elastic) errs.push(immutable('spec.completions', s.completions));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'manualSelector']) {
    if (!deepEqual(s[f], o[f])) errs.push(immutable(`spec.${f}`, s[f]));
  }
  return errs;
}

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** The checks of robfig/cron's standard parser that users hit: field count and time-zone prefixes. */
export function scheduleErrors(schedule: string): string[] {
  if (/^(CRON_)?TZ=/.test(schedule.trim())) return ['cannot use TZ or CRON_TZ in schedule, use timeZone field instead'];
  const s = schedule.trim();
  if (MACROS.includes(s) || /^@every /.test(s)) return [];
  if (s.startsWith('@')) return [`unrecognized descriptor: ${s}`];
  const fields = s.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return [`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`];
  return [];
}

export function validateCronJob(cj: any): FieldError[] {
  const spec = isObj(cj?.spec) ? cj.spec : {};
  const errs: FieldError[] = [];
  const name = String(cj?.metadata?.name ?? '');
  if (name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  if (!spec.schedule) errs.push(required('spec.schedule'));
  else for (const m of scheduleErrors(String(spec.schedule))) errs.push(invalid('spec.schedule', spec.schedule, m));
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (spec.concurrencyPolicy && !policies.includes(spec.concurrencyPolicy)) {
    errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, policies));
  }
  for (const f of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errs.push(...nonNegative(`spec.${f}`, spec[f]));
  if (!isObj(spec.jobTemplate)) errs.push(required('spec.jobTemplate'));
  else errs.push(...validateJobSpecCommon(spec.jobTemplate.spec, 'spec.jobTemplate.spec'));
  return errs;
}
