import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResumeCredential, parseResumeSubprotocol, resumeSubprotocol } from './resume.js';

const sid = 'AAAAAAAAAAAAAAAAAAAAAA';
const secret = 'b'.repeat(43);

test('a resume subprotocol round-trips credential and offset', () => {
  const p = resumeSubprotocol(formatResumeCredential(sid, secret), 12345);
  assert.equal(p, `pod-shell.resume.${sid}.${secret}.12345`);
  assert.deepEqual(parseResumeSubprotocol(p), { sessionId: sid, secret, offset: 12345 });
});

test('malformed resume entries are refused, not guessed at', () => {
  for (const bad of [
    `pod-shell.resume.${sid}.${secret}`,
    `pod-shell.resume.${sid}.${secret}.-1`,
    `pod-shell.resume.${sid}.${secret}.01`,
    `pod-shell.resume.${sid}.${secret}.1.2`,
    `pod-shell.resume.${sid}.short.1`,
    `pod-shell.resume.${sid}.${secret}.99999999999999999`,
    `pod-shell.bearer.${sid}`,
  ])
    assert.equal(parseResumeSubprotocol(bad), null, bad);
});
