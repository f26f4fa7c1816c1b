import { ConfigError } from '../errors.js';

/**
 * Small typed readers for one YAML object. Every failure throws a ConfigError (PS_ERR_TENANTS_INVALID)
 * whose message names the tenants file, the tenant, the field path and the valid range — an operator
 * must be able to fix the file from the message alone.
 */
export class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    /** e.g. `tenants file /etc/pod-shell/tenants.yaml: tenant "demo"` */
    readonly where: string,
    /** field path prefix, e.g. `limits.` or `keys[0].` */
    readonly prefix = '',
  ) {}

  static of(value: unknown, where: string, path: string): Fields {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(`${where}: ${path || 'entry'} must be a mapping (key: value), got ${describe(value)}`, {
        tenants: true,
      });
    }
    return new Fields(value as Record<string, unknown>, where, path ? `${path}.` : '');
  }

  fail(field: string, rule: string, got?: unknown): never {
    const suffix = arguments.length >= 3 ? `, got ${describe(got)}` : '';
    throw new ConfigError(`${this.where}: ${this.prefix}${field} ${rule}${suffix}`, { tenants: true });
  }

  has(field: string): boolean {
    return this.obj[field] !== undefined && this.obj[field] !== null;
  }

  raw(field: string): unknown {
    return this.obj[field];
  }

  /** Refuses fields the schema does not know: a typo must not silently fall back to a default. */
  onlyKnown(known: readonly string[]): void {
    for (const key of Object.keys(this.obj)) {
      if (!known.includes(key)) this.fail(key, `is not a known field (known: ${known.join(', ')})`);
    }
  }

  string(field: string, opts: { pattern?: RegExp; rule?: string; maxLength?: number } = {}): string {
    const v = this.obj[field];
    const rule = opts.rule ?? 'must be a non-empty string';
    if (typeof v !== 'string' || v.length === 0) this.fail(field, rule, v);
    if (opts.maxLength !== undefined && v.length > opts.maxLength)
      this.fail(field, `${rule} of at most ${opts.maxLength} characters`, v.length + ' characters');
    if (opts.pattern && !opts.pattern.test(v)) this.fail(field, rule, v);
    return v;
  }

  optionalString(
    field: string,
    opts: { pattern?: RegExp; rule?: string; maxLength?: number } = {},
  ): string | undefined {
    return this.has(field) ? this.string(field, opts) : undefined;
  }

  int(field: string, def: number, min: number, max: number): number {
    const v = this.obj[field];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `must be an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  bool(field: string, def: boolean): boolean {
    const v = this.obj[field];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false', v);
    return v;
  }

  /** A list of strings, each checked by `pattern` when given. */
  stringList(field: string, opts: { min?: number; pattern?: RegExp; rule?: string } = {}): string[] {
    const v = this.obj[field];
    const min = opts.min ?? 0;
    if (v === undefined || v === null) {
      if (min > 0) this.fail(field, `must be a list of at least ${min} ${opts.rule ?? 'string'}(s)`);
      return [];
    }
    if (!Array.isArray(v)) this.fail(field, `must be a list of ${opts.rule ?? 'strings'}`, v);
    if (v.length < min)
      this.fail(field, `must list at least ${min} ${opts.rule ?? 'string'}(s)`, v.length + ' entries');
    return v.map((item, i) => {
      if (typeof item !== 'string' || item.length === 0 || (opts.pattern && !opts.pattern.test(item))) {
        this.fail(`${field}[${i}]`, `must be ${opts.rule ?? 'a non-empty string'}`, item);
      }
      return item;
    });
  }

  /** A list of mappings, each returned as a Fields reader with its own path. */
  objectList(field: string, min: number): Fields[] {
    const v = this.obj[field];
    if (!Array.isArray(v)) this.fail(field, `must be a list of mappings (at least ${min})`, v);
    if (v.length < min)
      this.fail(field, `must list at least ${min} entr${min === 1 ? 'y' : 'ies'}`, v.length + ' entries');
    return v.map((item, i) => Fields.of(item, this.where, `${this.prefix}${field}[${i}]`));
  }

  /** An optional nested mapping. */
  object(field: string): Fields {
    const v = this.obj[field];
    return Fields.of(v === undefined || v === null ? {} : v, this.where, `${this.prefix}${field}`);
  }
}

/** A short, safe description of a value for an error message (never a whole secret). */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string')
    return value.length > 60 ? `a ${value.length}-character string` : JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return `a ${typeof value}`;
}
