import { execFileSync } from 'node:child_process';
import { registry } from './metrics.js';
import { UnsupportedApiError } from './unsupported.js';

/**
 * k6/http get(), synchronous like k6's. One shared event loop cannot block a single VU, so the request
 * runs in a short-lived child process while this process waits: every VU stalls for its duration
 * (milliseconds on loopback). Fine for the occasional /metrics scrape the scripts make; not for
 * HTTP load (use the real k6). Returns { status, body, headers }; status 0 and `error` on a network error.
 */
const CHILD = `
const [url, headers] = JSON.parse(process.argv[1]);
fetch(url, { headers }).then(async (r) => {
  const body = await r.text();
  process.stdout.write(JSON.stringify({ status: r.status, body, headers: Object.fromEntries(r.headers) }));
}, (e) => process.stdout.write(JSON.stringify({ status: 0, body: '', headers: {}, error: String(e && e.cause || e) })));
`;

export interface K6Response {
  status: number;
  body: string;
  headers: Record<string, string>;
  error: string;
  timings: { duration: number };
}

export function httpGet(url: string, params?: { headers?: Record<string, string>; [k: string]: unknown }): K6Response {
  for (const key of Object.keys(params ?? {}))
    if (key !== 'headers') throw new UnsupportedApiError(`k6/http Params.${key}`);
  const started = Date.now();
  const out = execFileSync(process.execPath, ['-e', CHILD, JSON.stringify([url, params?.headers ?? {}])], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: 60_000,
  });
  const parsed = JSON.parse(out.toString()) as {
    status: number;
    body: string;
    headers: Record<string, string>;
    error?: string;
  };
  const duration = Date.now() - started;
  registry.get('http_reqs', 'counter').add(1);
  registry.get('http_req_duration', 'trend', true).add(duration);
  registry.get('http_req_failed', 'rate').add(parsed.status === 0 || parsed.status >= 400 ? 1 : 0);
  return {
    status: parsed.status,
    body: parsed.body,
    headers: parsed.headers,
    error: parsed.error ?? '',
    timings: { duration },
  };
}
