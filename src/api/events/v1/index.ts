// The hooks of events.k8s.io/v1: the same objects as core/v1 Events, but
// created through this API they get the strict (DNS subdomain) name check.
import type { KindHooks } from '../../hooks.ts';
import { eventFields } from '../../core/v1/fields.ts';

export const eventsV1: Record<string, KindHooks> = {
  Event: { selectableFields: eventFields },
};
