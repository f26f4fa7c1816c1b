import type { RbacObject, UserInfo } from '../fixtures/types.js';
import type { RequestAttributes } from './attributes.js';

/** One PolicyRule of a Role or ClusterRole (rbac.authorization.k8s.io/v1). */
interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

interface Binding {
  /** '' for a ClusterRoleBinding: applies in every namespace and at the cluster scope. */
  namespace: string;
  roleKind: string;
  roleName: string;
  subjects: Subject[];
  name: string;
}

export interface Decision {
  allowed: boolean;
  /**
   * Like the RBAC authorizer: on allow, which binding allowed it (empty for system:masters); on deny,
   * empty unless a binding referred to a role that does not exist.
   */
  reason: string;
}

export const SYSTEM_MASTERS = 'system:masters';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function rules(obj: RbacObject): PolicyRule[] {
  const raw = Array.isArray(obj['rules']) ? (obj['rules'] as Record<string, unknown>[]) : [];
  return raw.map((r) => ({
    verbs: strings(r['verbs']),
    apiGroups: strings(r['apiGroups']),
    resources: strings(r['resources']),
    resourceNames: strings(r['resourceNames']),
    nonResourceURLs: strings(r['nonResourceURLs']),
  }));
}

const has = (list: string[], v: string): boolean => list.includes('*') || list.includes(v);

// rbac/v1 ResourceMatches: "*", exact "resource/subresource", or "*" + "/subresource".
function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  return rule.resources.some((r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`));
}

/** NonResourceURLMatches: exact, or a `prefix*` pattern. */
function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return rule.nonResourceURLs.some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceMatches(rule, a.path);
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  // resourceNames restricts to named objects; a request without a name (list, create) never matches.
  return rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name);
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace === '' ? bindingNamespace : s.namespace;
      return user.name === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

/** The RBAC visitor's source description, e.g. `ClusterRoleBinding "b" of ClusterRole "r" to User "u"`. */
function describeBinding(b: Binding, s: Subject): string {
  const who =
    s.kind === 'ServiceAccount'
      ? `${s.kind} "${s.name}/${s.namespace === '' ? b.namespace : s.namespace}"`
      : `${s.kind} "${s.name}"`;
  if (b.namespace === '') return `ClusterRoleBinding "${b.name}" of ${b.roleKind} "${b.roleName}" to ${who}`;
  return `RoleBinding "${b.name}/${b.namespace}" of ${b.roleKind} "${b.roleName}" to ${who}`;
}

/**
 * The RBAC authorizer over a fixed set of objects. Roles are looked up at decision time, so a binding
 * to a missing role denies with an `RBAC: … not found` reason like the apiserver.
 */
export class RbacAuthorizer {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  private readonly bindings: Binding[] = [];

  constructor(objects: RbacObject[]) {
    for (const o of objects) {
      const ns = o.metadata.namespace ?? '';
      switch (o.kind) {
        case 'Role':
          this.roles.set(`${ns}/${o.metadata.name}`, rules(o));
          break;
        case 'ClusterRole':
          this.clusterRoles.set(o.metadata.name, rules(o));
          break;
        case 'RoleBinding':
        case 'ClusterRoleBinding': {
          const ref = (o['roleRef'] ?? {}) as Record<string, unknown>;
          const subjects = (Array.isArray(o['subjects']) ? (o['subjects'] as Record<string, unknown>[]) : []).map(
            (s) => ({
              kind: stringField(s['kind']),
              name: stringField(s['name']),
              namespace: stringField(s['namespace']),
            }),
          );
          this.bindings.push({
            namespace: o.kind === 'RoleBinding' ? ns : '',
            roleKind: stringField(ref['kind']),
            roleName: stringField(ref['name']),
            subjects,
            name: o.metadata.name,
          });
          break;
        }
        default:
          break;
      }
    }
  }

  authorize(a: RequestAttributes): Decision {
    if (a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    // Like the RBAC visitor: ClusterRoleBindings first, then RoleBindings of the request's namespace.
    const ordered = [
      ...this.bindings.filter((b) => b.namespace === ''),
      ...this.bindings.filter((b) => b.namespace !== ''),
    ];
    for (const b of ordered) {
      // A RoleBinding grants only inside its namespace, never at the cluster scope.
      if (b.namespace !== '' && (!a.resourceRequest || a.namespace !== b.namespace)) continue;
      const subject = b.subjects.find((s) => subjectMatches(s, a.user, b.namespace));
      if (subject === undefined) continue;
      let ruleSet: PolicyRule[] | undefined;
      if (b.roleKind === 'ClusterRole') {
        ruleSet = this.clusterRoles.get(b.roleName);
        if (ruleSet === undefined) errors.push(`clusterrole.rbac.authorization.k8s.io "${b.roleName}" not found`);
      } else if (b.roleKind === 'Role' && b.namespace !== '') {
        ruleSet = this.roles.get(`${b.namespace}/${b.roleName}`);
        if (ruleSet === undefined) errors.push(`role.rbac.authorization.k8s.io "${b.roleName}" not found`);
      }
      if (ruleSet?.some((r) => ruleAllows(r, a)))
        return { allowed: true, reason: `RBAC: allowed by ${describeBinding(b, subject)}` };
    }
    if (errors.length === 0) return { allowed: false, reason: '' };
    const agg = errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
    return { allowed: false, reason: `RBAC: ${agg}` };
  }
}

/** A string field of an RBAC object as written in its YAML; anything else (absent, a number, a mapping) reads as ''. */
function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
