// The hooks of storage.k8s.io/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultStorageClass } from './defaults.ts';
import { validateStorageClass, validateStorageClassUpdate } from './validation.ts';

export const storageV1: Record<string, KindHooks> = {
  StorageClass: { defaults: defaultStorageClass, validate: validateStorageClass, validateUpdate: validateStorageClassUpdate },
};
