import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE_CODE_MESSAGES } from '@pod-shell/protocol';
import { closeMessage, NEVER_OPENED_MESSAGE, sanitizeStatusText, MAX_STATUS_TEXT } from './close-message.js';
import { formatRemaining } from './format-remaining.js';

test('the closing frame message wins when its code matches the close', () => {
  const closing = {
    type: 'closing' as const,
    code: 4408,
    reason: 'expired',
    message: 'Your session expired at 12:00.',
  };
  assert.equal(
    closeMessage({ code: 4408, reason: 'expired', closing, opened: true }),
    'Your session expired at 12:00.',
  );
  assert.equal(closeMessage({ code: 4409, reason: '', closing, opened: true }), CLOSE_CODE_MESSAGES[4409]);
  assert.equal(closeMessage({ code: 4401, reason: '', opened: true }), CLOSE_CODE_MESSAGES[4401]);
});

test('a refused upgrade has its own message; unknown codes name the code', () => {
  assert.equal(closeMessage({ code: 1006, reason: '', opened: false }), NEVER_OPENED_MESSAGE);
  assert.equal(closeMessage({ code: 1006, reason: '', opened: true }), CLOSE_CODE_MESSAGES[1006]);
  assert.equal(closeMessage({ code: 4999, reason: 'odd', opened: true }), 'The connection closed (code 4999: odd).');
});

test('broker text loses control characters, bidi overrides and excess length', () => {
  assert.equal(sanitizeStatusText('a\u001b[31mred\u0007\u009b b\u202e\ncd'), 'a [31mred b cd');
  assert.equal(sanitizeStatusText('x'.repeat(1000)).length, MAX_STATUS_TEXT);
});

test('remaining time reads naturally', () => {
  assert.equal(formatRemaining(10_500, 0), '11 s');
  assert.equal(formatRemaining(0, 5), '0 s');
  assert.equal(formatRemaining(185_000, 0), '3 min 5 s');
  assert.equal(formatRemaining(120_000, 0), '2 min');
  assert.equal(formatRemaining(3_720_000, 0), '1 h 2 min');
});

test('a debug-container session says so: which container, image and target', async () => {
  const { debugBannerText } = await import('./debug-banner.js');
  assert.equal(debugBannerText(undefined), '');
  assert.equal(
    debugBannerText({
      name: 'pod-shell-debug-0123456789-1',
      image: 'busybox@sha256:ab',
      targetContainer: 'app',
      reused: false,
    }),
    'This image has no shell: you are in debug container pod-shell-debug-0123456789-1 (image busybox@sha256:ab, sharing the processes of container app).',
  );
  assert.match(
    debugBannerText({ name: 'd-1', image: 'x\u001b[2J', targetContainer: '', reused: true }),
    /^This image has no shell: you are in debug container d-1 \(reused\) \(image x \[2J\)\.$/,
  );
});
