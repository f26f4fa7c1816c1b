import { readBody } from './read-body.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nonResourceAttributes, resourceAttributes } from '../auth/attributes.js';
import type { RbacAuthorizer } from '../auth/rbac.js';
import type { UserInfo } from '../fixtures/types.js';
import { sendJson } from './respond.js';
import { decodeSelfSubjectAccessReviewSpec } from './protobuf-review.js';
import { StatusError, badRequest } from './status-error.js';

/**
 * SelfSubjectAccessReview (authorization.k8s.io/v1), what `kubectl auth can-i` posts: "may I, the
 * (possibly impersonated) caller, do this?" answered by the same RBAC authorizer as every request.
 */

const MAX_BODY = 1024 * 1024;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export async function selfSubjectAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  rbac: RbacAuthorizer,
): Promise<void> {
  const body = await readBody(req, MAX_BODY);
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim();
  let spec: Record<string, unknown>;
  if (contentType === 'application/vnd.kubernetes.protobuf') {
    spec = decodeSelfSubjectAccessReviewSpec(body);
  } else if (contentType === 'application/json') {
    try {
      spec = ((JSON.parse(body.toString('utf8')) as Record<string, unknown>)['spec'] ?? {}) as Record<string, unknown>;
    } catch {
      throw badRequest(
        'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
      );
    }
  } else {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf`,
    );
  }
  const ra = spec['resourceAttributes'] as Record<string, unknown> | undefined;
  const nra = spec['nonResourceAttributes'] as Record<string, unknown> | undefined;
  if ((ra === undefined) === (nra === undefined)) {
    throw new StatusError(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  }
  const attrs =
    ra !== undefined
      ? resourceAttributes(user, str(ra['verb']), {
          apiGroup: str(ra['group']),
          apiVersion: str(ra['version']),
          resource: str(ra['resource']),
          subresource: str(ra['subresource']),
          namespace: str(ra['namespace']),
          name: str(ra['name']),
        })
      : nonResourceAttributes(user, str(nra?.['verb']), str(nra?.['path']));
  const d = rbac.authorize(attrs);
  const status: Record<string, unknown> = { allowed: d.allowed };
  if (d.reason !== '') status['reason'] = d.reason;
  sendJson(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  });
}
