import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  Channel,
  POD_SHELL_BEARER_PREFIX,
  POD_SHELL_SUBPROTOCOL,
  decodeFrame,
  encodeControl,
  encodeFrame,
  encodeResize,
  parseServerControl,
  type ClientControlMessage,
  type ServerControlMessage,
} from '@pod-shell/protocol';

/** What the connection reports to its owner. Every callback belongs to one connect attempt. */
export interface ConnectionHandlers {
  /** The socket is open. Nothing has been sent yet: the owner sends the first resize here. */
  onOpen(): void;
  /** stdout/stderr bytes, exactly as received (a view into the message, never decoded). */
  onData(bytes: Uint8Array): void;
  /** The channel-3 `Status` JSON that ended the command. */
  onStatus(text: string): void;
  onControl(message: ServerControlMessage): void;
  /** The socket closed. `opened` tells a refused upgrade (never opened) from a session that ended. */
  onClose(code: number, reason: string, opened: boolean): void;
  /** A frame the element could not understand (ignored, reported for diagnostics). */
  onProtocolError?(error: Error): void;
}

/**
 * The subprotocols a browser offers: the version, then the token (browsers cannot set headers),
 * then any extensions (`pod-shell.resumable.v1`, `pod-shell.resume.<credential>.<offset>`).
 */
export function subprotocolsFor(token: string, extensions: readonly string[] = []): string[] {
  return [POD_SHELL_SUBPROTOCOL, `${POD_SHELL_BEARER_PREFIX}${token}`, ...extensions];
}

/**
 * Owns the element's WebSocket. Each connect attempt has its own AbortController: aborting it
 * removes that socket's listeners and closes it, so a stale socket can never call back into a
 * newer session. Removing the host from the page ends the session (close 1000).
 */
export class ConnectionController implements ReactiveController {
  private socket: WebSocket | undefined;
  private attempt: AbortController | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly handlers: ConnectionHandlers,
  ) {
    host.addController(this);
  }

  /** True while the socket is open and frames can be sent. */
  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Opens a new session. Any previous socket is closed first (1000). Throws a SyntaxError when
   * the browser refuses the subprotocol list (a token with characters a JWT never contains).
   */
  connect(url: string, token: string, extensions: readonly string[] = []): void {
    this.close(1000, 'reconnect');
    const attempt = new AbortController();
    const socket = new WebSocket(url, subprotocolsFor(token, extensions));
    socket.binaryType = 'arraybuffer';
    this.attempt = attempt;
    this.socket = socket;
    const { signal } = attempt;
    let opened = false;

    socket.addEventListener(
      'open',
      () => {
        opened = true;
        this.handlers.onOpen();
      },
      { signal },
    );
    socket.addEventListener('message', (event: MessageEvent) => this.dispatch(event.data), { signal });
    socket.addEventListener(
      'close',
      (event: CloseEvent) => {
        // This attempt is over: drop its listeners before telling the owner.
        attempt.abort();
        if (this.socket === socket) {
          this.socket = undefined;
          this.attempt = undefined;
        }
        this.handlers.onClose(event.code, event.reason, opened);
      },
      { signal },
    );
  }

  /** Sends one binary frame; returns false when the socket is not open. */
  send(frame: Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(frame);
    return true;
  }

  sendStdin(data: string | Uint8Array): boolean {
    return this.send(encodeFrame(Channel.Stdin, data));
  }

  sendResize(cols: number, rows: number): boolean {
    return this.send(encodeFrame(Channel.Resize, encodeResize({ Width: cols, Height: rows })));
  }

  sendControl(message: ClientControlMessage): boolean {
    return this.send(encodeControl(message));
  }

  /**
   * Ends the current attempt without calling back: listeners are removed first, then the
   * socket is closed (a connecting socket too; the browser aborts the handshake).
   */
  close(code = 1000, reason = ''): void {
    const socket = this.socket;
    this.attempt?.abort();
    this.attempt = undefined;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSING && socket.readyState !== WebSocket.CLOSED) {
      socket.close(code, reason);
    }
  }

  hostConnected(): void {}

  /** Removing the element from the page ends its session. */
  hostDisconnected(): void {
    this.close(1000, 'element removed');
  }

  private dispatch(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) {
      // The protocol has only binary frames; text frames are ignored.
      this.handlers.onProtocolError?.(new TypeError('ignored a text frame (the protocol is binary only)'));
      return;
    }
    const frame = decodeFrame(data);
    if (frame === null) return;
    switch (frame.channel) {
      case Channel.Stdout:
      case Channel.Stderr:
        this.handlers.onData(frame.payload);
        return;
      case Channel.Status:
        this.handlers.onStatus(new TextDecoder().decode(frame.payload));
        return;
      case Channel.Control:
        try {
          this.handlers.onControl(parseServerControl(frame.payload));
        } catch (error) {
          this.handlers.onProtocolError?.(error instanceof Error ? error : new TypeError(String(error)));
        }
        return;
      default:
        this.handlers.onProtocolError?.(new TypeError(`ignored a frame on unknown channel ${frame.channel}`));
    }
  }
}
