import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBrokerUrl } from './broker-url.js';

test('defaults to /v1/session on the page origin, ws or wss by page scheme', () => {
  assert.equal(resolveBrokerUrl('', { href: 'http://localhost:8080/demo/?x=1#y' }), 'ws://localhost:8080/v1/session');
  assert.equal(
    resolveBrokerUrl(undefined, { href: 'https://app.example.com/ops' }),
    'wss://app.example.com/v1/session',
  );
});

test('resolves paths and switches http(s) to ws(s)', () => {
  assert.equal(
    resolveBrokerUrl('/shell/v1/session', { href: 'https://a.example/x' }),
    'wss://a.example/shell/v1/session',
  );
  assert.equal(
    resolveBrokerUrl('https://broker.example/v1/session', { href: 'http://a.example/' }),
    'wss://broker.example/v1/session',
  );
  assert.equal(
    resolveBrokerUrl('ws://127.0.0.1:9/v1/session#frag', { href: 'http://a.example/' }),
    'ws://127.0.0.1:9/v1/session',
  );
});

test('refuses non-web schemes', () => {
  assert.throws(() => resolveBrokerUrl('javascript:alert(1)', { href: 'https://a.example/' }), TypeError);
  assert.throws(() => resolveBrokerUrl('file:///etc/passwd', { href: 'https://a.example/' }), TypeError);
});
