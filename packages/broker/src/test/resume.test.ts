import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { CloseCode, formatResumeCredential, type HelloMessage } from '@pod-shell/protocol';
import type { TestClient } from './client.js';
import { startHarness, tenantDoc, type Harness } from './harness.js';

/** Resume (issue 12): a dropped client comes back to the same shell with exactly the output it missed. */
describe('resume after a dropped connection', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tenants: [
        tenantDoc({ name: 'brief', issuer: 'https://brief.example', limits: { resumeGraceSeconds: 1 } }),
        tenantDoc({ name: 'small', issuer: 'https://small.example', limits: { resumeBufferBytes: 4096 } }),
        tenantDoc({ name: 'noresume', issuer: 'https://noresume.example', limits: { resumeGraceSeconds: 0 } }),
      ],
    });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  const inGrace = (): number => h.broker.gauges.value('sessionsInGrace');
  /** Waits for a broker-side condition that has no event of its own (the server noticing a dropped TCP connection). */
  async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  async function openResumable(tenant = 'test'): Promise<{ c: TestClient; hello: HelloMessage }> {
    const c = await h.connect({ tenant, resumable: true });
    const hello = await c.waitForControl('hello');
    return { c, hello };
  }
  /** Drops the client's TCP connection and waits until the broker holds the session in grace. */
  async function drop(c: TestClient): Promise<number> {
    c.destroy();
    await c.waitForClose();
    await until(() => inGrace() === 1, 'the session to enter its grace period');
    return c.stdoutBytes;
  }

  test('an old client gets no credential and a drop ends its session at once', async () => {
    const c = await h.connect();
    const hello = await c.waitForControl('hello');
    assert.equal(hello.resume, undefined);
    assert.equal(hello.offset, undefined);
    c.destroy();
    await h.waitIdle();
    assert.equal(inGrace(), 0);
  });

  test('drop mid `seq 1 30000`, resume: same shell, every byte exactly once, in order', async () => {
    const { c: a, hello } = await openResumable();
    assert.ok(hello.resume !== undefined && hello.resume.graceMs === 60_000);
    assert.equal(hello.offset, 0);
    a.autoAck();
    a.stdin('X=kept-$((40+2)); seq 1 30000\r');
    await a.waitUntil(() => a.stdoutBytes > 40_000, 'output to be flowing');
    const offset = await drop(a);
    assert.equal(h.broker.sessions.size, 1, 'the session is kept');

    const b = await h.connect({ resume: { credential: hello.resume.credential, offset } });
    const again = await b.waitForControl('hello');
    assert.equal(again.session, hello.session);
    assert.equal(again.resumed, true);
    assert.equal(again.offset, offset);
    assert.equal(again.skipped, 0);
    assert.notEqual(again.resume?.credential, hello.resume.credential, 'the credential is rotated');
    // The same session as before the drop: target and file capabilities unchanged (the element rebuilds its
    // actions from this hello).
    assert.deepEqual([again.target, again.files], [hello.target, hello.files]);
    assert.ok(again.files !== undefined);
    assert.equal(inGrace(), 0);
    // The replay may have arrived with hello, before acking was switched on: acknowledge it first.
    b.ack(b.stdoutBytes);
    b.autoAck();
    // Typed only once seq is done: the terminal's echo of input typed mid-output would land between the numbers.
    await b.waitForText('\r\n30000\r\n');
    b.stdin('echo "[$X]"\r');
    await b.waitForText('[kept-42]');
    const all = Buffer.concat([a.stdout, b.stdout]).toString('utf8');
    const numbers = all.slice(all.indexOf('30000\r\n') + 7).match(/^\d+(?=\r$)/gm) ?? [];
    const expected = Array.from({ length: 30000 }, (_, i) => String(i + 1));
    assert.deepEqual(numbers.slice(0, 30000), expected);
    assert.equal(all.split('\r\n29999\r\n').length, 2, 'no byte twice');
    await b.close();
  });

  test('bytes no longer buffered are reported as skipped, and the rest replayed', async () => {
    const { c: a, hello } = await openResumable('small');
    a.autoAck();
    a.stdin('seq 1 3000; echo E$((0))ND\r');
    await a.waitForText(/E0ND\r\n/);
    const offset = await drop(a);
    const b = await h.connect({ tenant: 'small', resume: { credential: hello.resume!.credential, offset: 0 } });
    const again = await b.waitForControl('hello');
    assert.ok(again.skipped! > 0);
    assert.equal(again.offset, again.skipped);
    await b.waitUntil(() => b.stdoutBytes >= offset - again.offset!, 'the replay');
    assert.ok(b.stdoutBytes < offset, `replayed ${b.stdoutBytes} of ${offset} bytes from a 4 KiB buffer`);
    assert.ok(a.stdout.subarray(again.offset).equals(b.stdout.subarray(0, offset - again.offset!)));
    await b.close();
  });

  test('unused grace ends the session as today: store entry gone, every gauge 0, credential refused', async () => {
    const { c: a, hello } = await openResumable('brief');
    await drop(a);
    await h.waitIdle();
    assert.equal(await h.storeCount('brief'), 0);
    const b = await h.connect({ tenant: 'brief', resume: { credential: hello.resume!.credential, offset: 0 } });
    const close = await b.waitForClose();
    assert.equal(close.code, CloseCode.ResumeRefused);
    assert.equal(b.control('closing')?.reason, 'resume_refused');
  });

  test('a close the user chose ends a resumable session at once; a tenant with grace 0 gets no credential', async () => {
    const { c } = await openResumable();
    await c.close(1000);
    await h.waitIdle();
    const n = await h.connect({ tenant: 'noresume', resumable: true });
    assert.equal((await n.waitForControl('hello')).resume, undefined);
    n.destroy();
    await h.waitIdle();
  });

  test('churn: 20 sessions dropped and resumed twice each, then closed: every gauge back to 0', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => openResumable()));
    let creds = clients.map((x) => x.hello.resume!.credential);
    for (const x of clients) x.c.destroy();
    await until(() => inGrace() === 20, 'all 20 in grace');
    for (let round = 0; round < 2; round++) {
      const back = await Promise.all(creds.map((credential) => h.connect({ resume: { credential, offset: 0 } })));
      const hellos = await Promise.all(back.map((b) => b.waitForControl('hello')));
      assert.ok(hellos.every((x) => x.resumed === true));
      assert.equal(inGrace(), 0);
      creds = hellos.map((x) => x.resume!.credential);
      if (round === 0) {
        for (const b of back) b.destroy();
        await until(() => inGrace() === 20, 'all 20 in grace again');
      } else await Promise.all(back.map((b) => b.close()));
    }
  });

  test('a granted resume whose client left before its socket opened is undone: the held credential works again', async () => {
    const { c: a, hello } = await openResumable();
    await drop(a);
    const [sessionId, secret] = hello.resume!.credential.split('.') as [string, string];
    const session = h.broker.sessions.get(sessionId)!;
    const request = { sessionId, secret, offset: 0 };
    // What the upgrade handler does when the client aborts after the store granted the resume.
    await h.broker.sessions.claimResume(session.auth, request);
    await h.broker.sessions.abandonResume(session, session.auth, request);
    const b = await h.connect({ resume: { credential: hello.resume!.credential, offset: 0 } });
    assert.equal((await b.waitForControl('hello')).resumed, true);
    await b.close();
  });

  test('an operator kill during grace ends the session', async () => {
    const { c: a, hello } = await openResumable();
    await drop(a);
    const res = await h.admin(`/admin/sessions/${hello.session}?tenant=test`, { method: 'DELETE' });
    assert.equal(res.status, 202, res.text);
    await h.waitIdle();
  });
});

/** docs/security.md, resume credentials: replay, theft, cross-tenant use, guessing. */
describe('resume credential security', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tenants: [tenantDoc({ name: 'other', issuer: 'https://other.example' })] });
  });
  afterEach(async () => {
    await h.waitIdle();
  });
  after(async () => {
    await h.close();
  });

  async function refused(opts: Parameters<Harness['connect']>[0]): Promise<void> {
    const c = await h.connect(opts);
    const close = await c.waitForClose();
    assert.equal(close.code, CloseCode.ResumeRefused);
    assert.equal(c.control('hello'), undefined);
  }

  test('replay: a credential works once; the rotated one works next', async () => {
    const a = await h.connect({ resumable: true });
    const first = (await a.waitForControl('hello')).resume!.credential;
    a.destroy();
    const b = await h.connect({ resume: { credential: first, offset: 0 } });
    const second = (await b.waitForControl('hello')).resume!.credential;
    await refused({ resume: { credential: first, offset: 0 } });
    b.destroy();
    const c = await h.connect({ resume: { credential: second, offset: 0 } });
    assert.equal((await c.waitForControl('hello')).resumed, true);
    await c.close();
  });

  test('theft: a resume with the credential takes the session over; the connection it replaces is told 4411', async () => {
    const a = await h.connect({ resumable: true });
    const cred = (await a.waitForControl('hello')).resume!.credential;
    const b = await h.connect({ resume: { credential: cred, offset: 0 } });
    await b.waitForControl('hello');
    const close = await a.waitForClose();
    assert.equal(close.code, CloseCode.TakenOver);
    b.stdin('echo still-$((1+1))\r');
    await b.waitForText('still-2');
    await b.close();
  });

  test('cross-tenant and cross-subject: the credential with another tenant or subject token is refused', async () => {
    const a = await h.connect({ resumable: true });
    const cred = (await a.waitForControl('hello')).resume!.credential;
    await refused({ tenant: 'other', resume: { credential: cred, offset: 0 } });
    await refused({ sub: 'mallory', resume: { credential: cred, offset: 0 } });
    await refused({ pod: 'other-pod', resume: { credential: cred, offset: 0 } });
    // The refusals did not consume the credential, and the session never noticed.
    a.stdin('echo alive\r');
    await a.waitForText(/[\r\n]alive\r\n/);
    await a.close();
  });

  test('guessing: a wrong secret for a live session is refused and counted as a failed authentication', async () => {
    const a = await h.connect({ resumable: true });
    const hello = await a.waitForControl('hello');
    const guess = formatResumeCredential(hello.session, randomBytes(32).toString('base64url'));
    // prom-client hands out its live value objects: read the number at once.
    const failures = async (): Promise<number> =>
      (await h.broker.metrics.authFailures.get()).values.find((v) => v.labels.reason === 'resume_refused')?.value ?? 0;
    const before = await failures();
    await refused({ resume: { credential: guess, offset: 0 } });
    assert.equal((await failures()) - before, 1);
    await a.close();
  });

  test('an offset past the output sent is a bad request', async () => {
    const a = await h.connect({ resumable: true });
    const cred = (await a.waitForControl('hello')).resume!.credential;
    const b = await h.connect({ resume: { credential: cred, offset: 1_000_000 } });
    assert.equal((await b.waitForClose()).code, CloseCode.BadRequest);
    await a.close();
  });
});
