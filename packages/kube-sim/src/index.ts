export { startKubeSim } from './kube-sim.js';
export type { KubeSim, KubeSimOptions } from './http/api-server.js';
export { ADMIN_USER } from './http/api-server.js';
export type { Faults } from './faults.js';
export type { KubeSimStats, ProcessInfo } from './stats.js';
export type {
  ClusterFixture,
  PodFixture,
  ContainerFixture,
  ContainerMode,
  TokenFixture,
  UserInfo,
  RbacObject,
} from './fixtures/types.js';
export type { ExecRequest } from './exec/exec-request.js';
export { defaultFixture, DEFAULT_USER_TOKENS, DEMO_TENANT_GROUP } from './fixtures/defaults.js';
export { loadFixtureFile, parseFixtureYaml, normalizeFixture, FixtureError } from './fixtures/load.js';
