import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { startExecHarness, type ExecHarness } from './exec-harness.js';

/** A Writable that collects bytes; with `size` it also looks like a TTY to client-node (rows/columns/on). */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  rows?: number;
  columns?: number;
  constructor(size?: { rows: number; columns: number }) {
    super();
    if (size) {
      this.rows = size.rows;
      this.columns = size.columns;
    }
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.emit('chunk');
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  /** Resolves once the output contains `s` (checked at every write), or rejects after `timeoutMs`. */
  waitForText(s: string, timeoutMs = 10_000): Promise<void> {
    if (this.text().includes(s)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!this.text().includes(s)) return;
        clearTimeout(timer);
        this.off('chunk', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('chunk', check);
        reject(new Error(`timed out waiting for ${JSON.stringify(s)} in ${JSON.stringify(this.text())}`));
      }, timeoutMs);
      this.on('chunk', check);
    });
  }
}

interface Run {
  status: V1Status;
  stdout: string;
  stderr: string;
  closeCode: number;
}

/** The checklist items again, with @kubernetes/client-node 1.4's Exec as the client (HTTPS, kubeconfig token). */
describe('exec with @kubernetes/client-node 1.4', () => {
  let h: ExecHarness;
  let exec: Exec;
  before(async () => {
    h = await startExecHarness();
    const kc = new KubeConfig();
    kc.loadFromString(h.sim.kubeconfig);
    exec = new Exec(kc);
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.processes(), []);
  });

  async function run(
    command: string[],
    opts: { stdin?: Readable; tty?: boolean; stdout?: Sink; stderr?: boolean; pod?: string } = {},
  ): Promise<Run> {
    const stdout = opts.stdout ?? new Sink();
    const stderr = opts.stderr === false ? null : new Sink();
    let resolveStatus!: (s: V1Status) => void;
    const statusP = new Promise<V1Status>((r) => (resolveStatus = r));
    const ws = await exec.exec(
      'default',
      opts.pod ?? 'demo',
      '',
      command,
      stdout,
      stderr,
      opts.stdin ?? null,
      opts.tty ?? false,
      resolveStatus,
    );
    const closed = new Promise<number>((r) => ws.once('close', (code: number) => r(code)));
    const [status, closeCode] = await Promise.all([statusP, closed]);
    return { status, stdout: stdout.text(), stderr: stderr?.text() ?? '', closeCode };
  }

  test('echo hi: stdout, Success status, close 1000', async () => {
    const r = await run(['sh', '-c', 'echo hi']);
    assert.equal(r.stdout, 'hi\n');
    assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
    assert.equal(r.closeCode, 1000);
  });

  test('exit 3 and exit 255 reach statusCallback as NonZeroExitCode', async () => {
    for (const code of [3, 255]) {
      const r = await run(['sh', '-c', `echo out; echo err >&2; exit ${code}`]);
      assert.equal(r.stdout, 'out\n');
      assert.equal(r.stderr, 'err\n');
      assert.equal(r.status.reason, 'NonZeroExitCode');
      assert.deepEqual(r.status.details?.causes, [{ reason: 'ExitCode', message: String(code) }]);
    }
  });

  test('stdin end sends [0xFF,0]: cat prints hello and exits with Success', async () => {
    const stdin = new PassThrough();
    const pending = run(['cat'], { stdin });
    stdin.end('hello\n');
    const r = await pending;
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.status.status, 'Success');
  });

  test('tty: the initial {"height","width"} resize sizes the PTY; stderr is merged', async () => {
    const stdout = new Sink({ rows: 30, columns: 100 });
    const r = await run(['sh', '-c', 'stty size; echo to-err >&2'], { tty: true, stdout });
    assert.equal(r.stdout, '30 100\r\nto-err\r\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status.status, 'Success');
  });

  test('tty: a resize event is applied to the running shell', async () => {
    const stdout = new Sink({ rows: 24, columns: 80 });
    const stdin = new PassThrough();
    const pending = run(['sh'], { tty: true, stdout, stdin });
    stdin.write('stty size\n');
    await stdout.waitForText('24 80\r\n');
    stdout.rows = 30;
    stdout.columns = 100;
    stdout.emit('resize');
    stdin.write('stty size; exit 7\n');
    const r = await pending;
    assert.match(r.stdout, /[\n ]30 100\r\n/);
    assert.deepEqual(r.status.details?.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  test('client-node sends its resize queue without tty too: it must not stall stdin', async () => {
    const stdout = new Sink({ rows: 30, columns: 100 });
    const stdin = new PassThrough();
    const pending = run(['cat'], { stdout, stdin });
    stdout.emit('resize');
    stdin.end('still flowing\n');
    const r = await pending;
    assert.equal(r.stdout, 'still flowing\n');
    assert.equal(r.status.status, 'Success');
  });

  test('a missing binary and a completed pod reach statusCallback as InternalError', async () => {
    const missing = await run(['no-such-binary-xyz']);
    assert.equal(missing.status.reason, 'InternalError');
    assert.match(
      missing.status.message ?? '',
      /exec: "no-such-binary-xyz": executable file not found in \$PATH: unknown$/,
    );
    const done = await run(['sh'], { pod: 'done' });
    assert.equal(
      done.status.message,
      'Internal error occurred: unable to upgrade connection: container not found ("job")',
    );
  });
});
