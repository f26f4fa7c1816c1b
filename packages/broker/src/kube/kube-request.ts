import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ErrorCode, UpstreamError } from '../errors.js';
import type { ClusterDial } from './kube-clusters.js';
import { readErrorBody } from './upstream-errors.js';

export interface KubeResponse {
  status: number;
  body: string;
}

/**
 * One plain JSON request to the Kubernetes API with a cluster's credentials and TLS settings (the same
 * ones the exec WebSocket uses) plus `headers` (impersonation). The body is read up to 64 KiB.
 */
export function kubeRequest(
  dial: ClusterDial,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  timeoutMs: number,
  body?: string,
): Promise<KubeResponse> {
  const base = (dial.options.headers ?? {}) as Record<string, string | string[]>;
  const url = new URL(dial.server.replace(/\/+$/, '') + path);
  const options = {
    ...(dial.options as RequestOptions),
    method,
    headers: {
      ...base,
      Accept: 'application/json',
      ...headers,
      ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
    },
    timeout: timeoutMs,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, options as RequestOptions, (res) => {
      void readErrorBody(res).then((text) => resolve({ status: res.statusCode ?? 0, body: text }), reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(
        new UpstreamError(
          ErrorCode.KUBE_UPSTREAM,
          `cannot reach the Kubernetes API (${method} ${url.pathname}): ${err.message}`,
          { cause: err },
        ),
      ),
    );
    req.end(body);
  });
}
