import type * as pty from 'node-pty';

/** Collects a PTY's output and resolves when a pattern appears (with a deadline, so a hang fails). */
export class Screen {
  text = '';
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(term: pty.IPty) {
    term.onData((d) => {
      this.text += d;
      this.waiters = this.waiters.filter((w) => {
        const m = this.text.slice(w.from).match(w.re);
        if (m !== null) w.resolve(m);
        return m === null;
      });
    });
  }

  waitFor(re: RegExp, from = 0, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const m = this.text.slice(from).match(re);
    if (m !== null) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${re} in ${JSON.stringify(this.text.slice(-500))}`)),
        timeoutMs,
      );
      this.waiters.push({
        re,
        from,
        resolve: (x) => {
          clearTimeout(timer);
          resolve(x);
        },
      });
    });
  }
}
