import type { UserInfo } from '../fixtures/types.js';

/** What the authorizer decides on: the apiserver's `authorizer.Attributes`. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  /** false for non-resource URLs such as `/api` or `/version`. */
  resourceRequest: boolean;
  /** Request path; used in non-resource forbidden messages. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export function resourceAttributes(
  user: UserInfo,
  verb: string,
  r: {
    apiGroup?: string;
    apiVersion?: string;
    resource: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  },
): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: true,
    path: '',
    apiGroup: r.apiGroup ?? '',
    apiVersion: r.apiVersion ?? 'v1',
    resource: r.resource,
    subresource: r.subresource ?? '',
    namespace: r.namespace ?? '',
    name: r.name ?? '',
  };
}

export function nonResourceAttributes(user: UserInfo, verb: string, path: string): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    path,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
}
