import { httpErrorStatus, serializeStatus, type K8sStatus, type StatusDetails } from '@pod-shell/protocol';

/**
 * An apiserver error answered before any upgrade: an HTTP status code and a `Status` body
 * (`kind: Status`, `apiVersion: v1`) worded like the apiserver's.
 */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly status: K8sStatus;
  constructor(
    readonly httpCode: number,
    reason: string,
    message: string,
    details?: StatusDetails,
  ) {
    super(message);
    this.status = httpErrorStatus(httpCode, reason, message, details);
  }

  body(): string {
    return serializeStatus(this.status);
  }
}

/** The `reason` the apiserver puts in a Status for an HTTP code (apimachinery's errors.go). */
export function reasonForCode(code: number): string {
  switch (code) {
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Gone';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return 'Unknown';
  }
}

/** A Status error for an HTTP code with the apiserver's reason for that code. */
export function statusErrorForCode(code: number, message: string): StatusError {
  return new StatusError(code, reasonForCode(code), message);
}

/** An unexpected failure, as the apiserver reports one (`Internal error occurred: …`, 500). */
export function internalError(e: unknown): StatusError {
  return e instanceof StatusError
    ? e
    : new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
}

export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized');
export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message);

/** `pods "P" not found` (apierrors.NewNotFound). */
export function notFound(resource: string, name: string, group = ''): StatusError {
  const qualified = group === '' ? resource : `${resource}.${group}`;
  const details: StatusDetails = { name, kind: resource };
  if (group !== '') details.group = group;
  return new StatusError(404, 'NotFound', `${qualified} "${name}" not found`, details);
}

export function methodNotAllowed(): StatusError {
  return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** The apiserver's answer for a path no handler serves. */
export function pathNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}
