// An experiment for relay-floor.mjs, never for production: loaded into the broker with
// `--broker-env NODE_OPTIONS=--import=<this file>`, it makes the `ws` receiver reassemble a frame that
// spans several TLS reads into a ring of reused 4 MiB slabs instead of a fresh Buffer per frame. That
// is only safe because the relay hands every frame to uWS synchronously (uWS copies it) and a run
// relays one flood; a held frame (before the client attached) would be overwritten. It answers one
// question: how much of the broker's CPU per GB is the garbage of the per-frame reassembly copy.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const { Receiver } = require('ws');
const SLAB = 4 << 20;
const slabs = [Buffer.allocUnsafe(SLAB), Buffer.allocUnsafe(SLAB)];
let slab = 0;
let offset = 0;
const original = Receiver.prototype.consume;
Receiver.prototype.consume = function consume(n) {
  if (n <= this._buffers[0].length || n > SLAB) return original.call(this, n);
  if (offset + n > SLAB) {
    slab ^= 1;
    offset = 0;
  }
  const dst = slabs[slab].subarray(offset, offset + n);
  offset += n;
  this._bufferedBytes -= n;
  let at = 0;
  while (at < n) {
    const buf = this._buffers[0];
    const take = Math.min(buf.length, n - at);
    dst.set(take === buf.length ? buf : buf.subarray(0, take), at);
    if (take === buf.length) this._buffers.shift();
    else this._buffers[0] = buf.subarray(take);
    at += take;
  }
  return dst;
};
