// The hooks of every core/v1 kind the apiserver serves.
import type { KindHooks } from '../../hooks.ts';
import { defaultPod } from './pod-defaults.ts';
import {
  defaultService, defaultSecret, defaultNamespace, defaultNode, defaultPersistentVolume, defaultPersistentVolumeClaim,
  defaultReplicationController, defaultPodTemplateObject, defaultEndpoints, defaultLimitRange,
} from './defaults.ts';
import {
  podFields, eventFields, secretFields, nodeFields, namespaceFields, legacyNameFields, replicasFields, serviceFields,
} from './fields.ts';
import { validatePod } from './pod-validation.ts';
import { validatePodUpdate } from './pod-update.ts';
import { validateService } from './service-validation.ts';
import {
  validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate, validatePVC, validatePVCUpdate, validatePV,
  validateReplicationController, validatePodTemplateObject, validateEvent,
} from './validation.ts';

export const coreV1: Record<string, KindHooks> = {
  Pod: { defaults: defaultPod, validate: validatePod, validateUpdate: validatePodUpdate, selectableFields: podFields, hasStatus: true },
  Service: { defaults: defaultService, validate: validateService, selectableFields: serviceFields, nameValidation: 'dns1035Label', hasStatus: true },
  Endpoints: { defaults: defaultEndpoints },
  ConfigMap: { validate: validateConfigMap, validateUpdate: validateConfigMapUpdate },
  Secret: { defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate, selectableFields: secretFields },
  ServiceAccount: {},
  Namespace: { defaults: defaultNamespace, selectableFields: namespaceFields, nameValidation: 'dns1123Label', hasStatus: true },
  Node: { defaults: defaultNode, selectableFields: nodeFields, hasStatus: true },
  Event: { validate: validateEvent, selectableFields: eventFields, nameValidation: 'pathSegment' },
  PersistentVolume: { defaults: defaultPersistentVolume, validate: validatePV, selectableFields: legacyNameFields, hasStatus: true },
  PersistentVolumeClaim: {
    defaults: defaultPersistentVolumeClaim, validate: validatePVC, validateUpdate: validatePVCUpdate, selectableFields: legacyNameFields, hasStatus: true },
  ReplicationController: { defaults: defaultReplicationController, validate: validateReplicationController, selectableFields: replicasFields, hasStatus: true },
  LimitRange: { defaults: defaultLimitRange },
  ResourceQuota: { hasStatus: true },
  PodTemplate: { defaults: defaultPodTemplateObject, validate: validatePodTemplateObject },
  Binding: {},
};
