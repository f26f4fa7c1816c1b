import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createLogger } from '../log/logger.js';
import { redact, REDACTED, REDACTED_RESUME } from '../log/redact.js';
import { auditEvents, startHarness } from './harness.js';

/** Issue 8 items 4 and 8: tokens are redacted even in pieces (threat 2), by pino paths and by value. */
const JWT =
  'eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzLTEiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL3Rlc3QuZXhhbXBsZSIsInN1YiI6ImFsaWNlIiwiYXVkIjoicG9kLXNoZWxsIn0.c2lnbmF0dXJlLW5vdC1yZWFsLTAxMjM0NTY3ODlhYmNkZWY';

/** Deterministic base64url strings shaped like session ids (22 characters). */
function pseudoIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(String(i)).digest('base64url').slice(0, 22));
}

describe('redaction', () => {
  test('whole tokens, truncated tokens, a payload part on its own and tokens inside text are redacted', () => {
    assert.equal(redact(JWT), REDACTED);
    assert.equal(redact(JWT.slice(0, 120)), REDACTED);
    assert.equal(redact(JWT.slice(0, 20)), REDACTED);
    assert.equal(redact(`closing: ${JWT.slice(0, 60)} (bye)`), `closing: ${REDACTED} (bye)`);
    assert.equal(redact(JWT.split('.')[1]!.slice(0, 30)), REDACTED);
    assert.equal(redact(`Bearer ${JWT}`), `Bearer ${REDACTED}`);
  });

  test('a resume subprotocol keeps its session id and offset, never its secret', () => {
    const secret = 'c'.repeat(43);
    assert.equal(
      redact(`offered pod-shell.resume.AAAAAAAAAAAAAAAAAAAAAA.${secret}.42`),
      `offered pod-shell.resume.AAAAAAAAAAAAAAAAAAAAAA.${REDACTED_RESUME}.42`,
    );
  });

  test('random base64url ids that contain "eyJ" are left alone (session ids must stay readable)', () => {
    const ids = pseudoIds(200_000).filter((id) => /eyJ[A-Za-z0-9_-]{9,}/.test(id));
    assert.ok(ids.length > 0, 'the sample holds ids with eyJ and enough characters after it');
    assert.deepEqual(
      ids.filter((id) => redact(id) !== id),
      [],
    );
  });

  test('the logger: credential fields by name (pino paths), fragments in any string, audit lines whatever LOG_LEVEL', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'error', sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    logger.error('upgrade.failed', {
      token: 'opaque-secret',
      headers: { authorization: 'Bearer opaque', origin: 'https://a.example' },
      err: new Error(`bad token ${JWT.slice(0, 50)}`),
    });
    logger.info('session.end', { session: 's1', closeMessage: JWT.slice(0, 120) });
    logger.info('upgrade.refused', { note: 'below LOG_LEVEL' });
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!['token'], REDACTED);
    assert.deepEqual(lines[0]!['headers'], { authorization: REDACTED, origin: 'https://a.example' });
    assert.deepEqual(lines[0]!['err'], { name: 'Error', message: `bad token ${REDACTED}` });
    assert.equal(lines[1]!['event'], 'session.end');
    assert.equal(lines[1]!['closeMessage'], REDACTED);
    assert.doesNotMatch(JSON.stringify(lines), /eyJ/);
  });

  test('threat 2: a client close reason holding the first 120 characters of a JWT reaches no log and no metric', async () => {
    const h = await startHarness({ env: { LOG_LEVEL: 'debug' } });
    try {
      const c = await h.connect();
      const hello = await c.waitForControl('hello');
      c.socket.close(4000, JWT.slice(0, 120));
      await c.waitForClose();
      await h.waitIdle();
      const end = auditEvents(h.logs, 'session.end').find((l) => l['session'] === hello.session);
      assert.equal(end?.['closeMessage'], REDACTED);
      assert.doesNotMatch(JSON.stringify(h.logs), /eyJhbGci|eyJpc3Mi/);
      const metrics = await h.admin('/metrics');
      assert.equal(metrics.text.includes('eyJ'), false);
    } finally {
      await h.close();
    }
  });
});
