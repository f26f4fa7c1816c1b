import type { StatusDetails } from '@pod-shell/protocol';
import { StatusError } from '../http/status-error.js';
import type { RequestAttributes } from './attributes.js';

/** responsewriters.forbiddenMessage: the "User X cannot V …" sentence. */
export function forbiddenMessage(a: RequestAttributes): string {
  const user = JSON.stringify(a.user.name);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const base = `User ${user} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)}`;
  return a.namespace === ''
    ? `${base} at the cluster scope`
    : `${base} in the namespace ${JSON.stringify(a.namespace)}`;
}

/**
 * responsewriters.Forbidden + apierrors.NewForbidden: `<resource>[.<group>] "<name>" is forbidden: <msg>[: <reason>]`,
 * 403, reason Forbidden, details {name, group, kind: <resource>}.
 */
export function forbidden(a: RequestAttributes, reason = ''): StatusError {
  const msg = reason === '' ? forbiddenMessage(a) : `${forbiddenMessage(a)}: ${reason}`;
  const qualified = a.resource === '' ? '' : a.apiGroup === '' ? a.resource : `${a.resource}.${a.apiGroup}`;
  let message: string;
  if (qualified === '') message = `forbidden: ${msg}`;
  else if (a.name === '') message = `${qualified} is forbidden: ${msg}`;
  else message = `${qualified} ${JSON.stringify(a.name)} is forbidden: ${msg}`;
  const details: StatusDetails = {};
  if (a.name !== '') details.name = a.name;
  if (a.apiGroup !== '') details.group = a.apiGroup;
  if (a.resource !== '') details.kind = a.resource;
  return new StatusError(403, 'Forbidden', message, details);
}
