// The OpenAPI surface of the apiserver, free of any HTTP framework: the
// documents (built once, with ETags) and schema lookups for field validation.
export { openapiV2, buildV2 } from './v2.ts';
export type { ServedDocument } from './v2.ts';
export { openapiV2Protobuf, PROTOBUF_V2_TYPE, PROTOBUF_V2_CONTENT_TYPE } from './v2-proto.ts';
export { openapiV3Index, openapiV3GroupVersion, buildV3GroupVersion } from './v3.ts';
export { findUnknownFields } from './unknown-fields.ts';
export { schemaFor, definitionNameFor } from '../../api/openapi/definitions.ts';
export type { GroupVersionKind, Schema } from '../../api/openapi/definitions.ts';
