/**
 * The broker's file transfer URL for a session URL: same host, `http(s)` for `ws(s)`, path
 * `/v1/files/<upload|download>` (the broker serves it beside `/v1/session`), with the query.
 */
export function filesUrl(sessionUrl: string, direction: 'upload' | 'download', query: Record<string, string>): string {
  const url = new URL(sessionUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = `/v1/files/${direction}`;
  url.search = new URLSearchParams(query).toString();
  url.hash = '';
  return url.toString();
}
