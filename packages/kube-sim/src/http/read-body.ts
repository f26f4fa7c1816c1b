import type { IncomingMessage } from 'node:http';
import { StatusError } from './status-error.js';

/** Reads a request body of at most `maxBytes`; more is the apiserver's 413 `Request entity too large: limit is N`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBytes}`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
