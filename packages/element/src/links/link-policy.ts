/**
 * Link policy (threat 11, terminal escape injection): output from a container is untrusted, so a
 * link in it may only be opened by a deliberate user gesture (a Ctrl- or Cmd-click), and only
 * when it is a plain http(s) URL — never `javascript:`, `data:`, `file:` or anything else.
 */

/** The modifier-key part of a mouse event. */
export interface ModifierState {
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
}

/** Returns the normalized URL when `uri` is an absolute http(s) URL, else null. */
export function safeLinkTarget(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  // Credentials in a link are a classic phishing disguise (https://bank.com@evil.example/).
  if (url.username !== '' || url.password !== '') return null;
  return url.toString();
}

/** A link activates only with Ctrl (Windows/Linux) or Cmd (macOS) held. */
export function isModifierClick(event: ModifierState): boolean {
  return event.ctrlKey || event.metaKey;
}

/** Opens `uri` in a new tab without giving it a handle on this page, if the policy allows. */
export function openLinkIfAllowed(event: ModifierState, uri: string, open: (url: string) => void): boolean {
  if (!isModifierClick(event)) return false;
  const target = safeLinkTarget(uri);
  if (target === null) return false;
  open(target);
  return true;
}
