// The hooks of the batch/v1 kinds.
import type { KindHooks } from '../../hooks.ts';
import { defaultJob, defaultCronJob } from './defaults.ts';
import { validateJob, validateJobUpdate, validateCronJob } from './validation.ts';
import { jobFields } from '../../core/v1/fields.ts';

export const batchV1: Record<string, KindHooks> = {
  Job: { defaults: defaultJob, validate: validateJob, validateUpdate: validateJobUpdate, selectableFields: jobFields, hasStatus: true },
  CronJob: { defaults: defaultCronJob, validate: validateCronJob, hasStatus: true },
};
