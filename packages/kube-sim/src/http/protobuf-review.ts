import { badRequest } from './status-error.js';

/**
 * Just enough of the Kubernetes protobuf encoding to read a SelfSubjectAccessReview, which kubectl
 * (`auth can-i`) sends as `application/vnd.kubernetes.protobuf`: the `k8s\0` magic, a runtime.Unknown
 * envelope, then the review message. Only the spec's string fields are read.
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, Buffer[]>;

/** Splits a message into its length-delimited fields (wire type 2); varints are skipped. */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw badRequest('truncated protobuf varint');
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
      if (shift > 49) throw badRequest('protobuf varint too long');
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        varint();
        break;
      case 2: {
        const len = varint();
        if (i + len > buf.length) throw badRequest('truncated protobuf field');
        const list = out.get(field) ?? [];
        list.push(buf.subarray(i, i + len));
        out.set(field, list);
        i += len;
        break;
      }
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      default:
        throw badRequest(`unsupported protobuf wire type ${key & 7}`);
    }
  }
  return out;
}

const text = (f: Fields, n: number): string => f.get(n)?.[0]?.toString('utf8') ?? '';
const sub = (f: Fields, n: number): Fields | undefined => {
  const b = f.get(n)?.[0];
  return b === undefined ? undefined : fields(b);
};

/** Decodes a protobuf SelfSubjectAccessReview into its JSON `spec`. */
export function decodeSelfSubjectAccessReviewSpec(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC)) throw badRequest('protobuf body lacks the k8s magic prefix');
  const unknown = fields(body.subarray(4));
  const typeMeta = sub(unknown, 1);
  const kind = typeMeta === undefined ? '' : text(typeMeta, 2);
  if (kind !== 'SelfSubjectAccessReview') throw badRequest(`expected a SelfSubjectAccessReview, got "${kind}"`);
  const raw = unknown.get(2)?.[0] ?? Buffer.alloc(0);
  const spec = sub(fields(raw), 2) ?? new Map<number, Buffer[]>();
  const out: Record<string, unknown> = {};
  const ra = sub(spec, 1);
  if (ra !== undefined) {
    const attrs: Record<string, string> = {};
    const names = ['', 'namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
    for (let n = 1; n < names.length; n++) {
      const v = text(ra, n);
      if (v !== '') attrs[names[n] ?? ''] = v;
    }
    out['resourceAttributes'] = attrs;
  }
  const nra = sub(spec, 2);
  if (nra !== undefined) out['nonResourceAttributes'] = { path: text(nra, 1), verb: text(nra, 2) };
  return out;
}
