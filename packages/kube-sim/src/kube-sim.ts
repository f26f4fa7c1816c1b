import { ExecServer } from './exec/exec-server.js';
import { startApiServer, type KubeSim, type KubeSimOptions } from './http/api-server.js';

/**
 * Starts the Kubernetes API server simulator: HTTPS with a fresh CA, discovery, pods, bearer-token
 * authentication, impersonation, RBAC, and pods/exec|attach over WebSocket running real processes.
 */
export function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  return startApiServer(options, (o) => new ExecServer(o));
}

export type { KubeSim, KubeSimOptions };
