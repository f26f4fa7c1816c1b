import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { IDisposable, Terminal } from '@xterm/xterm';

/** True for Ctrl+Shift+<code> (Windows/Linux) or Cmd+Shift+<code> (macOS). */
function isShortcut(event: KeyboardEvent, code: string): boolean {
  return event.shiftKey && (event.ctrlKey || event.metaKey) && !event.altKey && event.code === code;
}

/**
 * Terminal clipboard conventions: copy on selection, Ctrl/Cmd+Shift+C copies, Ctrl/Cmd+Shift+V
 * and right-click paste. Clipboard access happens only inside a user gesture (selecting, a key
 * press, a click); the container can never read or write the clipboard itself (no OSC 52).
 */
export class ClipboardController implements ReactiveController {
  private disposables: IDisposable[] = [];
  private abort: AbortController | undefined;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  attach(term: Terminal): void {
    this.detach();
    const abort = new AbortController();
    this.abort = abort;
    this.disposables.push(
      term.onSelectionChange(() => {
        if (term.hasSelection()) void this.copy(term.getSelection());
      }),
    );
    term.attachCustomKeyEventHandler((event) => {
      if (isShortcut(event, 'KeyC')) {
        if (event.type === 'keydown' && term.hasSelection()) void this.copy(term.getSelection());
        event.preventDefault();
        return false;
      }
      // Not handled by xterm (no ^V sent) and not prevented: the browser's own paste event
      // reaches xterm's textarea, which pastes (bracketed when the shell asked for it).
      if (isShortcut(event, 'KeyV')) return false;
      return true;
    });
    term.element?.addEventListener(
      'contextmenu',
      (event) => {
        event.preventDefault();
        void this.paste(term);
      },
      { signal: abort.signal },
    );
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.detach();
  }

  private detach(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.abort?.abort();
    this.abort = undefined;
  }

  private async copy(text: string): Promise<void> {
    if (text === '') return;
    try {
      await navigator.clipboard?.writeText(text);
    } catch {
      // Permission denied or the page is not focused: copying is best effort.
    }
  }

  private async paste(term: Terminal): Promise<void> {
    try {
      const text = await navigator.clipboard?.readText();
      if (text) term.paste(text);
    } catch {
      // Clipboard read refused: Ctrl/Cmd+Shift+V still works through the browser's paste event.
    }
  }
}
