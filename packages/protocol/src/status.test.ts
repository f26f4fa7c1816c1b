import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serializeStatus,
  successStatus,
  nonZeroExitStatus,
  internalErrorStatus,
  httpErrorStatus,
  interpretStatus,
} from './index.js';

test('success status is byte-identical to the apiserver', () => {
  assert.equal(serializeStatus(successStatus()), '{"metadata":{},"status":"Success"}');
});

test('non-zero exit status carries the ExitCode cause', () => {
  assert.equal(
    serializeStatus(nonZeroExitStatus(3)),
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
  );
});

test('internal error status has code 500 and the cause message', () => {
  assert.equal(
    serializeStatus(internalErrorStatus('x <y>')),
    '{"metadata":{},"status":"Failure","message":"Internal error occurred: x \\u003cy\\u003e","reason":"InternalError","details":{"causes":[{"message":"x \\u003cy\\u003e"}]},"code":500}',
  );
});

test('HTTP error body has kind and apiVersion first and code last', () => {
  assert.equal(
    serializeStatus(httpErrorStatus(404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' })),
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
  );
});

test('interpretStatus reads exit codes like client-go (uint8 only)', () => {
  assert.deepEqual(interpretStatus(''), { kind: 'success' });
  assert.deepEqual(interpretStatus(serializeStatus(successStatus())), { kind: 'success' });
  const exit = interpretStatus(serializeStatus(nonZeroExitStatus(255)));
  assert.equal(exit.kind, 'exit');
  assert.equal(exit.kind === 'exit' && exit.exitCode, 255);
  const bad = serializeStatus(nonZeroExitStatus(3)).replace('"message":"3"', '"message":"256"');
  assert.equal(interpretStatus(bad).kind, 'error');
});
