import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Channel,
  decodeFrame,
  encodeFrame,
  encodeCloseFrame,
  parseClientResize,
  parseK8sResize,
  parseClientControl,
} from './index.js';

test('encodeFrame/decodeFrame round-trip keeps bytes exact', () => {
  const payload = new TextEncoder().encode('中文');
  const f = decodeFrame(encodeFrame(Channel.Stdout, payload));
  assert.ok(f);
  assert.equal(f.channel, Channel.Stdout);
  assert.deepEqual([...f.payload], [...payload]);
  assert.equal(decodeFrame(new Uint8Array(0)), null);
  assert.deepEqual([...encodeCloseFrame()], [255, 0]);
});

test('client resize accepts only {Width,Height} integers 1..1000', () => {
  assert.deepEqual(parseClientResize('{"Width":120,"Height":40}'), { Width: 120, Height: 40 });
  for (const bad of [
    '{"Width":0,"Height":40}',
    '{"Width":1001,"Height":40}',
    '{"Width":1.5,"Height":4}',
    '{"width":10,"height":4}',
    '[1,2]',
    'nope',
    '{"Width":1,"Height":2,"x":1}',
  ]) {
    assert.equal(parseClientResize(bad), null, bad);
  }
});

test('Kubernetes resize accepts both key spellings', () => {
  assert.deepEqual(parseK8sResize('{"Width":100,"Height":30}\n'), { Width: 100, Height: 30 });
  assert.deepEqual(parseK8sResize('{"height":30,"width":100}'), { Width: 100, Height: 30 });
  assert.equal(parseK8sResize('{"Width":70000,"Height":1}'), null);
});

test('client control frames are validated', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(parseClientControl(enc('{"type":"flow","paused":true}')), { type: 'flow', paused: true });
  assert.throws(() => parseClientControl(enc('{"type":"flow","paused":"yes"}')), TypeError);
  assert.deepEqual(parseClientControl(enc('{"type":"ack","bytes":0}')), { type: 'ack', bytes: 0 });
  assert.deepEqual(parseClientControl(enc('{"type":"ack","bytes":32768}')), { type: 'ack', bytes: 32768 });
  for (const bad of ['-1', '1.5', '"5"', '1e300', 'null']) {
    assert.throws(
      () => parseClientControl(enc(`{"type":"ack","bytes":${bad}}`)),
      /ack\.bytes must be a non-negative integer/,
    );
  }
  assert.throws(() => parseClientControl(enc('{"type":"exec"}')), TypeError);
  assert.throws(() => parseClientControl(Uint8Array.of(0xff, 0xfe)), TypeError);
});
