// The hooks of every core/v1 kind the apiserver serves.
import type { KindHooks } from '../../hooks.ts';
import { defaultPod, defaultPodTemplate } from './pod-defaults.ts';
import {
  defaultService, defaultSecret, defaultNamespace, defaultNode, defaultPersistentVolume, defaultPersistentVolumeClaim,
  defaultReplicationController, defaultPodTemplateObject, defaultEndpoints, defaultLimitRange,
} from './defaults.ts';
import {
  podFields, eventFields, secretFields, nodeFields, namespaceFields, legacyNameFields, replicasFields, serviceFields,
} from './fields.ts';

export const coreV1: Record<string, KindHooks> = {
  Pod: { defaults: defaultPod, selectableFields: podFields, hasStatus: true },
  Service: { defaults: defaultService, selectableFields: serviceFields, nameValidation: 'dns1035Label', hasStatus: true },
  Endpoints: { defaults: defaultEndpoints },
  ConfigMap: {},
  Secret: { defaults: defaultSecret, selectableFields: secretFields },
  ServiceAccount: {},
  Namespace: { defaults: defaultNamespace, selectableFields: namespaceFields, nameValidation: 'dns1123Label', hasStatus: true },
  Node: { defaults: defaultNode, selectableFields: nodeFields, hasStatus: true },
  Event: { selectableFields: eventFields, nameValidation: 'pathSegment' },
  PersistentVolume: { defaults: defaultPersistentVolume, selectableFields: legacyNameFields, hasStatus: true },
  PersistentVolumeClaim: { defaults: defaultPersistentVolumeClaim, selectableFields: legacyNameFields, hasStatus: true },
  ReplicationController: { defaults: defaultReplicationController, selectableFields: replicasFields, hasStatus: true },
  LimitRange: { defaults: defaultLimitRange },
  ResourceQuota: { hasStatus: true },
  PodTemplate: { defaults: defaultPodTemplateObject },
  Binding: {},
};

export { defaultPodTemplate };
