// The Status error model: every API error is a metav1.Status with
// upstream's code, reason, message and details, carried by StatusError.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export interface GroupResource {
  group: string;
  resource: string;
}

export interface GroupKind {
  group: string;
  kind: string;
}

export class StatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'unknown error');
    this.name = 'StatusError';
    this.status = status;
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `pods` or `deployments.apps`, as upstream prints a GroupResource. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function qualifiedKind(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

function details(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function newNotFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, details(gr, name));
}

export function newAlreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, details(gr, name));
}

export function newConflict(gr: GroupResource, name: string, why: string): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`, details(gr, name));
}

export interface FieldErrorLike {
  type: string;
  field: string;
  detail?: string;
  badValue?: unknown;
}

const FIELD_TEXT: Record<string, string> = {
  FieldValueNotFound: 'Not found', FieldValueRequired: 'Required value', FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value', FieldValueNotSupported: 'Unsupported value', FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long', FieldValueTooMany: 'Too many', InternalError: 'Internal error', FieldValueTypeInvalid: 'Invalid value',
};

function printValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Renders one field error as upstream does: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`. */
export function fieldErrorMessage(e: FieldErrorLike): string {
  const what = FIELD_TEXT[e.type] ?? e.type;
  const withValue = ['FieldValueInvalid', 'FieldValueNotSupported', 'FieldValueDuplicate', 'FieldValueNotFound', 'FieldValueTypeInvalid'].includes(e.type) && 'badValue' in e;
  let msg = `${e.field}: ${what}`;
  if (withValue) msg += `: ${printValue(e.badValue)}`;
  if (e.detail) msg += `: ${e.detail}`;
  return msg;
}

export function newInvalid(gk: GroupKind, name: string, errs: FieldErrorLike[]): StatusError {
  const causes = errs.map((e) => ({ reason: e.type, message: fieldErrorMessage(e).slice(e.field.length + 2), field: e.field }));
  const text = errs.map(fieldErrorMessage);
  const joined = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
  return failure(422, 'Invalid', `${qualifiedKind(gk)} "${name}" is invalid: ${joined}`, {
    name, ...(gk.group ? { group: gk.group } : {}), kind: gk.kind, causes,
  });
}

export function newBadRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function newResourceExpired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function newGone(message: string): StatusError {
  return failure(410, 'Gone', message);
}

export function newForbidden(gr: GroupResource, name: string, why: string): StatusError {
  const subject = gr.resource === '' ? 'forbidden' : name ? `${qualifiedResource(gr)} "${name}" is forbidden` : `${qualifiedResource(gr)} is forbidden`;
  return failure(403, 'Forbidden', `${subject}: ${why}`, details(gr, name));
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return failure(401, 'Unauthorized', message);
}

export function newTooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function newMethodNotSupported(gr: GroupResource, action: string): StatusError {
  return failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${JSON.stringify(qualifiedResource(gr))}`, details(gr, ''));
}

export function newUnsupportedMediaType(contentType: string, supported: string[]): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`, { causes: [{ message: contentType }] });
}

export function newNotAcceptable(supported: string[]): StatusError {
  return failure(406, 'NotAcceptable', `only the following media types are accepted: ${supported.join(', ')}`);
}

export function newRequestEntityTooLarge(message: string): StatusError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

export function newInternalError(err: Error): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${err.message}`, { causes: [{ message: err.message }] });
}

export function newTimeout(message: string, retryAfterSeconds: number): StatusError {
  return failure(504, 'Timeout', message, { retryAfterSeconds });
}

export function newServiceUnavailable(message: string): StatusError {
  return failure(503, 'ServiceUnavailable', message);
}

export function reasonOf(err: unknown): string | undefined {
  return err instanceof StatusError ? err.status.reason : (err as any)?.status?.reason;
}

export const isNotFound = (err: unknown) => reasonOf(err) === 'NotFound';
export const isAlreadyExists = (err: unknown) => reasonOf(err) === 'AlreadyExists';
export const isConflict = (err: unknown) => reasonOf(err) === 'Conflict';
export const isInvalid = (err: unknown) => reasonOf(err) === 'Invalid';
