import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceControlChars } from './text.js';

test('replaceControlChars replaces C0, DEL and C1 controls and keeps everything else', () => {
  assert.equal(replaceControlChars('a\u0000b\u001bc\u007fd\u0085e\u009ff\tg\nh'), 'a b c d e f g h');
  assert.equal(replaceControlChars('plain text, 中文, é'), 'plain text, 中文, é');
  assert.equal(replaceControlChars('\u001b[31mred', ''), '[31mred');
});

test('replaceControlChars replaces bidi overrides and isolates only when asked', () => {
  const text = 'x\u202ey\u2066z\u2069';
  assert.equal(replaceControlChars(text), text);
  assert.equal(replaceControlChars(text, ' ', { bidi: true }), 'x y z ');
});
