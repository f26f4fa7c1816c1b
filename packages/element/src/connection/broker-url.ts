import { DEFAULT_SESSION_PATH } from '@pod-shell/protocol';

/** The parts of `window.location` the URL resolution needs (kept narrow so it is testable). */
export interface PageLocation {
  readonly href: string;
}

/**
 * Resolves the element's `broker` attribute to a WebSocket URL.
 * - empty → `/v1/session` on the page's own origin;
 * - relative (`/shell/v1/session`) → resolved against the page;
 * - `http(s)://` → switched to `ws(s)://`; `ws(s)://` kept.
 * The scheme follows the page: an https page gets `wss:` so the token never travels in clear.
 * Anything else (for example `javascript:`) is refused with a TypeError.
 */
export function resolveBrokerUrl(broker: string | undefined | null, page: PageLocation): string {
  const raw = broker?.trim() ? broker.trim() : DEFAULT_SESSION_PATH;
  const url = new URL(raw, page.href);
  switch (url.protocol) {
    case 'http:':
      url.protocol = 'ws:';
      break;
    case 'https:':
      url.protocol = 'wss:';
      break;
    case 'ws:':
    case 'wss:':
      break;
    default:
      throw new TypeError(
        `broker must be a ws:, wss:, http: or https: URL or a path, got ${JSON.stringify(url.protocol)}`,
      );
  }
  // Tokens never travel in the URL; a fragment would be meaningless to a WebSocket.
  url.hash = '';
  return url.toString();
}
