// The hooks of discovery.k8s.io/v1.
import type { KindHooks } from '../../hooks.ts';
import { defaultEndpointSlice } from './defaults.ts';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './validation.ts';

export const discoveryV1: Record<string, KindHooks> = {
  EndpointSlice: { defaults: defaultEndpointSlice, validate: validateEndpointSlice, validateUpdate: validateEndpointSliceUpdate },
};
