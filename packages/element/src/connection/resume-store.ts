/** What the element keeps to resume its session after a page reload (docs/protocol.md, "Resume"). */
export interface StoredResume {
  session: string;
  /** The current, single-use resume credential from the last `hello`. */
  credential: string;
  /** The output offset received so far (written when the page is hidden or unloaded). */
  offset: number;
  /** When the grace period of a drop starting now would end (ms since the epoch): older entries are useless. */
  graceMs: number;
  savedAt: number;
}

const PREFIX = 'pod-shell.resume:';

/**
 * The element's resume credential in `sessionStorage`: per tab and origin, gone when the tab
 * closes, kept across reloads. One entry per broker URL and element id, so two elements on a page
 * (give them ids) never resume each other's session. Storage can be unavailable or full (private
 * modes, sandboxed frames): then resume after a reload is off, nothing throws.
 */
export class ResumeStore {
  constructor(private readonly key: () => string) {}

  private get storage(): Storage | undefined {
    try {
      return window.sessionStorage;
    } catch {
      return undefined;
    }
  }

  load(now = Date.now()): StoredResume | undefined {
    try {
      const raw = this.storage?.getItem(PREFIX + this.key());
      if (!raw) return undefined;
      const v = JSON.parse(raw) as Partial<StoredResume>;
      if (
        typeof v.session !== 'string' ||
        typeof v.credential !== 'string' ||
        typeof v.offset !== 'number' ||
        typeof v.graceMs !== 'number' ||
        typeof v.savedAt !== 'number'
      )
        return undefined;
      return now - v.savedAt > v.graceMs ? undefined : (v as StoredResume);
    } catch {
      return undefined;
    }
  }

  save(entry: StoredResume): void {
    try {
      this.storage?.setItem(PREFIX + this.key(), JSON.stringify(entry));
    } catch {
      // Full or unavailable storage: resume after a reload is off for this page.
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(PREFIX + this.key());
    } catch {
      // Nothing to clear.
    }
  }
}

/** Delay before reconnect attempt `n` (0-based): 250 ms doubling to at most 4 s. */
export function reconnectDelayMs(n: number): number {
  return Math.min(4000, 250 * 2 ** n);
}
