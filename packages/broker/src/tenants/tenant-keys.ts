import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Fields } from './field-checks.js';
import type { TenantKey } from './tenant.js';

/**
 * Loads and vets one tenant key (threats 4 and 5). Rules:
 * - the algorithm is pinned per key and must be one jsonwebtoken 9 supports (EdDSA is not);
 * - the key type must match the algorithm: RS and PS need an RSA key, ES a key on the algorithm's own
 *   curve, HS a shared secret — an RSA/EC PEM given as an HS secret is refused (HS/RS confusion);
 * - RSA keys have at least 2048 bits, HS secrets at least as many bytes as the hash output
 *   (32/48/64 for HS256/384/512, RFC 7518 §3.2);
 * - a private key, when given, must belong to the public key (it is used only by `pod-shell-broker token`).
 * Relative key file paths resolve against the tenants file's directory.
 */
export const SUPPORTED_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
] as const;
export type SupportedAlg = (typeof SUPPORTED_ALGS)[number];

const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };
const HS_MIN_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };
export const MIN_RSA_BITS = 2048;

interface KeyObjects {
  verify: KeyObject;
  sign?: KeyObject;
}

/** Prepared KeyObjects per loaded key, so verification never re-parses PEM text on the hot path. */
const keyObjects = new WeakMap<TenantKey, KeyObjects>();

/** The KeyObjects for a key; built (and vetted) on first use for keys that did not come from the loader. */
export function keyObjectsFor(key: TenantKey): KeyObjects {
  let objs = keyObjects.get(key);
  if (!objs) {
    objs = buildKeyObjects(
      key.alg,
      key.verifyKey,
      key.signKey,
      (msg) => new ConfigError(`key "${key.kid}": ${msg}`, { tenants: true }),
    );
    keyObjects.set(key, objs);
  }
  return objs;
}

function isHs(alg: string): boolean {
  return alg.startsWith('HS');
}

/** Checks that a KeyObject fits the pinned algorithm; returns a rule violation or null. */
function vetAsymmetric(alg: string, key: KeyObject): string | null {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    const okType = type === 'rsa' || (alg.startsWith('PS') && type === 'rsa-pss');
    if (!okType) return `alg ${alg} needs an RSA key, but the key is ${type ?? 'not asymmetric'}`;
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `RSA keys must have at least ${MIN_RSA_BITS} bits, this one has ${bits}`;
    return null;
  }
  if (alg.startsWith('ES')) {
    if (type !== 'ec') return `alg ${alg} needs an EC key, but the key is ${type ?? 'not asymmetric'}`;
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== EC_CURVES[alg])
      return `alg ${alg} needs an EC key on curve ${EC_CURVES[alg]}, this one is on ${curve ?? 'an unknown curve'}`;
    return null;
  }
  return `alg ${alg} is not supported`;
}

function buildKeyObjects(
  alg: string,
  verifyKey: string,
  signKey: string | undefined,
  err: (msg: string) => Error,
): KeyObjects {
  if (!(SUPPORTED_ALGS as readonly string[]).includes(alg))
    throw err(`alg must be one of ${SUPPORTED_ALGS.join(', ')}, got ${JSON.stringify(alg)}`);
  if (isHs(alg)) {
    if (/-----BEGIN [A-Z ]*KEY-----/.test(verifyKey)) {
      throw err(
        `alg ${alg} needs a shared secret, but a PEM key was given (an asymmetric key must never be used as an HMAC secret)`,
      );
    }
    const bytes = Buffer.from(verifyKey, 'utf8');
    const min = HS_MIN_BYTES[alg]!;
    if (bytes.length < min) throw err(`secret for ${alg} must be at least ${min} bytes, got ${bytes.length}`);
    const secret = createSecretKey(bytes);
    return { verify: secret, sign: secret };
  }
  let pub: KeyObject;
  try {
    pub = createPublicKey(verifyKey);
  } catch (cause) {
    throw err(`publicKey is not a readable PEM public key (${(cause as Error).message})`);
  }
  if (pub.type !== 'public') throw err('publicKey must be a public key');
  const problem = vetAsymmetric(alg, pub);
  if (problem) throw err(problem);
  let sign: KeyObject | undefined;
  if (signKey !== undefined) {
    try {
      sign = createPrivateKey(signKey);
    } catch (cause) {
      throw err(`privateKey is not a readable PEM private key (${(cause as Error).message})`);
    }
    const derived = createPublicKey(sign).export({ format: 'der', type: 'spki' });
    if (!derived.equals(pub.export({ format: 'der', type: 'spki' })))
      throw err('privateKey does not belong to publicKey');
  }
  return sign ? { verify: pub, sign } : { verify: pub };
}

function readKeyFile(f: Fields, field: string, baseDir: string): string {
  const rel = f.string(field);
  const path = isAbsolute(rel) ? rel : resolve(baseDir, rel);
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    return f.fail(
      field,
      `must name a readable file (resolved to ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Reads an inline value or its `…File` twin; exactly one of the two may be set. */
function inlineOrFile(f: Fields, field: string, baseDir: string, trim: boolean): string | undefined {
  const fileField = `${field}File`;
  if (f.has(field) && f.has(fileField)) f.fail(field, `and ${fileField} are exclusive: set one of them`);
  if (f.has(field)) {
    const v = f.raw(field);
    if (typeof v !== 'string' || v.length === 0) f.fail(field, 'must be a non-empty string');
    return v;
  }
  if (f.has(fileField)) {
    const text = readKeyFile(f, fileField, baseDir);
    // A trailing newline is how editors and `kubectl create secret --from-file` end files; it is not key material.
    return trim ? text.replace(/\r?\n$/, '') : text;
  }
  return undefined;
}

const KEY_FIELDS = ['kid', 'alg', 'publicKey', 'publicKeyFile', 'secret', 'secretFile', 'privateKey', 'privateKeyFile'];

/** Parses one `keys[i]` entry into a vetted TenantKey (its KeyObjects cached for verification and minting). */
export function loadTenantKey(f: Fields, baseDir: string): TenantKey {
  f.onlyKnown(KEY_FIELDS);
  const kid = f.string('kid', {
    pattern: /^[\x21-\x7e]+$/,
    rule: 'must be a non-empty string of printable ASCII without spaces',
    maxLength: 128,
  });
  const alg = f.string('alg', { rule: `must be one of ${SUPPORTED_ALGS.join(', ')}` });
  if (!(SUPPORTED_ALGS as readonly string[]).includes(alg))
    f.fail('alg', `must be one of ${SUPPORTED_ALGS.join(', ')}`, alg);
  let verifyKey: string;
  let signKey: string | undefined;
  if (isHs(alg)) {
    for (const k of ['publicKey', 'publicKeyFile', 'privateKey', 'privateKeyFile']) {
      if (f.has(k)) f.fail(k, `must not be set for ${alg}: HS algorithms use secret or secretFile`);
    }
    const secret = inlineOrFile(f, 'secret', baseDir, true);
    if (secret === undefined) f.fail('secret', `or secretFile must be set for ${alg}`);
    verifyKey = secret;
    signKey = secret;
  } else {
    for (const k of ['secret', 'secretFile'])
      if (f.has(k)) f.fail(k, `must not be set for ${alg}: asymmetric algorithms use publicKey/privateKey`);
    signKey = inlineOrFile(f, 'privateKey', baseDir, false);
    const pub = inlineOrFile(f, 'publicKey', baseDir, false);
    if (pub === undefined) {
      // Only a private key given: its public half verifies.
      if (signKey === undefined) f.fail('publicKey', `or publicKeyFile must be set for ${alg}`);
      try {
        verifyKey = createPublicKey(createPrivateKey(signKey)).export({ format: 'pem', type: 'spki' }).toString();
      } catch (cause) {
        f.fail('privateKey', `is not a readable PEM private key (${(cause as Error).message})`);
      }
    } else {
      verifyKey = pub;
    }
  }
  let objs: KeyObjects;
  try {
    objs = buildKeyObjects(alg, verifyKey, isHs(alg) ? undefined : signKey, (msg) => new Error(msg));
  } catch (e) {
    f.fail(isHs(alg) ? 'secret' : 'publicKey', `is refused: ${(e as Error).message}`);
  }
  // Key material is non-enumerable: a tenant that ends up in JSON.stringify or a log line shows no secret.
  const key = { kid, alg: alg as TenantKey['alg'] } as TenantKey;
  Object.defineProperty(key, 'verifyKey', { value: verifyKey, enumerable: false });
  if (signKey !== undefined) Object.defineProperty(key, 'signKey', { value: signKey, enumerable: false });
  keyObjects.set(key, objs);
  return key;
}
