import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLinkIfAllowed, safeLinkTarget } from './link-policy.js';

const plain = { ctrlKey: false, metaKey: false };
const ctrl = { ctrlKey: true, metaKey: false };
const cmd = { ctrlKey: false, metaKey: true };

test('only absolute http(s) URLs without credentials are link targets', () => {
  assert.equal(safeLinkTarget('https://example.com/a?b#c'), 'https://example.com/a?b#c');
  assert.equal(safeLinkTarget('http://10.0.0.1:8080/'), 'http://10.0.0.1:8080/');
  for (const bad of [
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>1</script>',
    'file:///etc/passwd',
    'vbscript:x',
    '/relative',
    'https://bank.example@evil.example/',
  ]) {
    assert.equal(safeLinkTarget(bad), null, bad);
  }
});

test('a link opens only with a Ctrl or Cmd click, and never for javascript:', () => {
  const opened: string[] = [];
  const open = (u: string) => opened.push(u);
  assert.equal(openLinkIfAllowed(plain, 'https://example.com/', open), false);
  assert.equal(openLinkIfAllowed(ctrl, 'javascript:alert(document.cookie)', open), false);
  assert.equal(openLinkIfAllowed(ctrl, 'https://example.com/', open), true);
  assert.equal(openLinkIfAllowed(cmd, 'http://example.org/x', open), true);
  assert.deepEqual(opened, ['https://example.com/', 'http://example.org/x']);
});
