import type { IncomingMessage } from 'node:http';
import type { UserInfo } from '../fixtures/types.js';
import { StatusError } from '../http/status-error.js';
import { resourceAttributes, type RequestAttributes } from './attributes.js';
import { SYSTEM_AUTHENTICATED, removeRawHeader } from './authenticate.js';
import { forbidden } from './forbidden.js';
import type { RbacAuthorizer } from './rbac.js';

const USER = 'impersonate-user';
const UID = 'impersonate-uid';
const GROUP = 'impersonate-group';
const EXTRA_PREFIX = 'impersonate-extra-';
const SA_PREFIX = 'system:serviceaccount:';
const AUTHN_GROUP = 'authentication.k8s.io';

/** One thing the caller asks to act as; printed like Go prints a v1.ObjectReference with `%v`. */
interface ImpersonationRequest {
  kind: 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';
  namespace: string;
  name: string;
  apiVersion: string;
  fieldPath: string;
}

/** `{Kind Namespace Name UID APIVersion ResourceVersion FieldPath}` with empty fields kept, as Go's %v does. */
function goFormat(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace, r.name, '', r.apiVersion, '', r.fieldPath].join(' ')}}`;
}

function headerValues(req: IncomingMessage, lowerName: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if ((req.rawHeaders[i] ?? '').toLowerCase() === lowerName) out.push(req.rawHeaders[i + 1] ?? '');
  }
  return out;
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key; // Always record extra keys, even if malformed.
  }
}

/** buildImpersonationRequests: user (or service account) first, then groups, extras, uid. */
function buildRequests(req: IncomingMessage): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = headerValues(req, USER)[0] ?? '';
  if (user !== '') {
    const sa = user.startsWith(SA_PREFIX) ? user.slice(SA_PREFIX.length).split(':') : null;
    if (sa !== null && sa.length === 2 && sa[0] !== '' && sa[1] !== '') {
      out.push({ kind: 'ServiceAccount', namespace: sa[0] ?? '', name: sa[1] ?? '', apiVersion: '', fieldPath: '' });
    } else {
      out.push({ kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' });
    }
  }
  for (const g of headerValues(req, GROUP))
    out.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  const extraHeaders = [...new Set(req.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase()))].filter(
    (h) => h.startsWith(EXTRA_PREFIX),
  );
  for (const h of extraHeaders) {
    const key = unescapeExtraKey(h.slice(EXTRA_PREFIX.length));
    for (const v of headerValues(req, h))
      out.push({ kind: 'UserExtra', namespace: '', name: v, apiVersion: `${AUTHN_GROUP}/v1`, fieldPath: key });
  }
  const uid = headerValues(req, UID)[0] ?? '';
  if (uid !== '') out.push({ kind: 'UID', namespace: '', name: uid, apiVersion: `${AUTHN_GROUP}/v1`, fieldPath: '' });
  const hasOthers = out.some((r) => r.kind !== 'User' && r.kind !== 'ServiceAccount');
  if (hasOthers && user === '') {
    throw new StatusError(400, 'BadRequest', `requested [${out.map(goFormat).join(' ')}] without impersonating a user`);
  }
  return out;
}

function attributesFor(requestor: UserInfo, r: ImpersonationRequest): RequestAttributes {
  switch (r.kind) {
    case 'ServiceAccount':
      return resourceAttributes(requestor, 'impersonate', {
        resource: 'serviceaccounts',
        namespace: r.namespace,
        name: r.name,
      });
    case 'User':
      return resourceAttributes(requestor, 'impersonate', { resource: 'users', name: r.name });
    case 'Group':
      return resourceAttributes(requestor, 'impersonate', { resource: 'groups', name: r.name });
    case 'UserExtra':
      return resourceAttributes(requestor, 'impersonate', {
        apiGroup: AUTHN_GROUP,
        resource: 'userextras',
        subresource: r.fieldPath,
        name: r.name,
      });
    case 'UID':
      return resourceAttributes(requestor, 'impersonate', { apiGroup: AUTHN_GROUP, resource: 'uids', name: r.name });
  }
}

/**
 * The apiserver's impersonation filter: every requested identity part needs the `impersonate` verb
 * (403 from the forbidden formatter otherwise); groups, extras or a uid without a user are a 400. On
 * success the headers are removed and the effective user is returned (the requestor when none asked).
 */
export function applyImpersonation(req: IncomingMessage, requestor: UserInfo, rbac: RbacAuthorizer): UserInfo {
  const requests = buildRequests(req);
  if (requests.length === 0) return requestor;
  const groupsSpecified = headerValues(req, GROUP).length > 0;
  let name = '';
  let uid: string | undefined;
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const r of requests) {
    const attrs = attributesFor(requestor, r);
    const decision = rbac.authorize(attrs);
    if (!decision.allowed) throw forbidden(attrs, decision.reason);
    switch (r.kind) {
      case 'ServiceAccount':
        name = `${SA_PREFIX}${r.namespace}:${r.name}`;
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${r.namespace}`];
        break;
      case 'User':
        name = r.name;
        break;
      case 'Group':
        groups.push(r.name);
        break;
      case 'UserExtra':
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        uid = r.name;
        break;
    }
  }
  // Non-anonymous users get system:authenticated unless a system:(un)authenticated group was given.
  if (
    name !== 'system:anonymous' &&
    !groups.includes(SYSTEM_AUTHENTICATED) &&
    !groups.includes('system:unauthenticated')
  ) {
    groups.push(SYSTEM_AUTHENTICATED);
  }
  removeRawHeader(req, (h) => h === USER || h === UID || h === GROUP || h.startsWith(EXTRA_PREFIX));
  for (const h of Object.keys(req.headers))
    if (h === USER || h === UID || h === GROUP || h.startsWith(EXTRA_PREFIX)) delete req.headers[h];
  const user: UserInfo = { name, groups, extra };
  if (uid !== undefined) user.uid = uid;
  return user;
}
