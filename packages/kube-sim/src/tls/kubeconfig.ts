import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCertPem: string;
  token: string;
  /** Context, cluster and user name. */
  name?: string;
  namespace?: string;
}

/**
 * A kubeconfig that kubectl and @kubernetes/client-node accept: the CA as certificate-authority-data
 * (base64 PEM), the server URL and a bearer token.
 */
export function buildKubeconfig(input: KubeconfigInput): string {
  const name = input.name ?? 'kube-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: input.server,
          'certificate-authority-data': Buffer.from(input.caCertPem, 'utf8').toString('base64'),
        },
      },
    ],
    users: [{ name: `${name}-admin`, user: { token: input.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: input.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
