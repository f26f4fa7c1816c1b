import type { HelloMessage } from '@pod-shell/protocol';
import { sanitizeStatusText } from './close-message.js';

/**
 * The line the element shows while a session runs in a debug container (the image had no shell and
 * the tenant allows the fallback), or '' for a normal session. Broker text, so sanitized.
 */
export function debugBannerText(debug: HelloMessage['debugContainer']): string {
  if (debug === undefined) return '';
  const target = debug.targetContainer === '' ? '' : `, sharing the processes of container ${debug.targetContainer}`;
  const reused = debug.reused ? ' (reused)' : '';
  return sanitizeStatusText(
    `This image has no shell: you are in debug container ${debug.name}${reused} (image ${debug.image}${target}).`,
  );
}
