import type { AuthorizedSession } from '../auth/authorized-session.js';
import type { ExecTarget } from '../kube/exec-request.js';
import type { SessionRecord } from '../store/session-store.js';

/**
 * Who a session is and where it runs, in the one shape every record of it shares: the store entry,
 * the audit lines and the /debug/sessions snapshot all carry these fields, so they are built here
 * once and can never disagree (a missing container is recorded as '').
 */
export type SessionWho = Pick<SessionRecord, 'tenant' | 'subject' | 'namespace' | 'pod' | 'container'>;

export function sessionWho(auth: AuthorizedSession): SessionWho {
  return {
    tenant: auth.tenant.name,
    subject: auth.subject,
    namespace: auth.namespace,
    pod: auth.pod,
    container: auth.container ?? '',
  };
}

/** The container an exec opens in. `container` is left out when the token names none: the apiserver then picks the pod's default. */
export type PodTarget = Pick<ExecTarget, 'namespace' | 'pod' | 'container'>;

export function podTarget(auth: AuthorizedSession): PodTarget {
  const target: PodTarget = { namespace: auth.namespace, pod: auth.pod };
  if (auth.container !== undefined) target.container = auth.container;
  return target;
}
