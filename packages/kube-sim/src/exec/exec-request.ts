import type { ContainerFixture, PodFixture, UserInfo } from '../fixtures/types.js';

/**
 * What the HTTP side hands to the exec side once a `pods/exec` or `pods/attach` request has passed
 * authentication, impersonation, authorization and the pod/container checks (apiserver order).
 * The exec side then checks the upgrade itself (405/400/403 as the reference describes),
 * negotiates the subprotocol and runs the stream.
 */
export interface ExecRequest {
  subresource: 'exec' | 'attach';
  pod: PodFixture;
  container: ContainerFixture;
  /** argv, one element per `command` query parameter; empty for attach. */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** The effective (possibly impersonated) user. */
  user: UserInfo;
}
