// Small runtime validators for data that arrives from the network. Each validator checks an unknown
// value and returns it typed, or throws a ValidationError naming the field. Isomorphic: no Node or DOM APIs.

/** Thrown when a received value does not have the expected shape; `path` names the field. */
export class ValidationError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path || 'value'}: expected ${expected}`);
    this.name = 'ValidationError';
  }
}

/** Checks an unknown value at `path` and returns it typed. */
export type Validator<T> = (value: unknown, path: string) => T;

/** The type a validator returns. */
export type Infer<V> = V extends Validator<infer T> ? T : never;

/** A string of at most `maxLength` UTF-16 units (and at least `minLength`). */
export function str(maxLength = 256, minLength = 0): Validator<string> {
  return (v, path) => {
    if (typeof v !== 'string' || v.length > maxLength || v.length < minLength) {
      throw new ValidationError(path, `a string of ${minLength}–${maxLength} characters`);
    }
    return v;
  };
}

/** A safe integer within [min, max]. */
export function int(min: number, max: number): Validator<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new ValidationError(path, `an integer from ${min} to ${max}`);
    }
    return v;
  };
}

/** A boolean. */
export const bool: Validator<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new ValidationError(path, 'true or false');
  return v;
};

/** Exactly `value`. */
export function literal<const T extends boolean | number | string>(value: T): Validator<T> {
  return (v, path) => {
    if (v !== value) throw new ValidationError(path, JSON.stringify(value));
    return value;
  };
}

/** One of the given string literals. */
export function oneOf<const T extends readonly string[]>(...values: T): Validator<T[number]> {
  return (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new ValidationError(path, `one of ${values.join(', ')}`);
    }
    return v as T[number];
  };
}

/** `undefined` (absent) or a value accepted by `inner`. */
export function opt<T>(inner: Validator<T>): Validator<T | undefined> {
  return (v, path) => (v === undefined ? undefined : inner(v, path));
}

/** `null` or a value accepted by `inner`. */
export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (v, path) => (v === null ? null : inner(v, path));
}

/** An array of at most `maxLength` items, each accepted by `item`. */
export function arr<T>(item: Validator<T>, maxLength: number): Validator<T[]> {
  return (v, path) => {
    if (!Array.isArray(v) || v.length > maxLength) {
      throw new ValidationError(path, `a list of at most ${maxLength} items`);
    }
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

/** A plain object mapping strings to values accepted by `value`, with at most `maxKeys` keys. */
export function dict<T>(value: Validator<T>, maxKeys: number, maxKeyLength = 256): Validator<Record<string, T>> {
  return (v, path) => {
    if (!isPlainObject(v) || Object.keys(v).length > maxKeys) {
      throw new ValidationError(path, `an object of at most ${maxKeys} entries`);
    }
    const out: Record<string, T> = Object.create(null) as Record<string, T>;
    for (const [k, x] of Object.entries(v)) {
      if (k.length > maxKeyLength) throw new ValidationError(`${path}.${k.slice(0, 32)}`, 'a shorter key');
      out[k] = value(x, `${path}.${k}`);
    }
    return out;
  };
}

/** The shape of an object: one validator per field. */
export type Shape = Record<string, Validator<unknown>>;

/** The typed object a shape describes; fields whose validator accepts undefined become optional. */
export type InferShape<S extends Shape> = {
  [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]>;
} & {
  [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Infer<S[K]>;
};

/** An object with exactly the fields of `shape` (unknown fields are dropped). */
export function obj<S extends Shape>(shape: S): Validator<InferShape<S>> {
  return (v, path) => {
    if (!isPlainObject(v)) throw new ValidationError(path, 'an object');
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const x = check(v[k], path ? `${path}.${k}` : k);
      if (x !== undefined) out[k] = x;
    }
    return out as InferShape<S>;
  };
}

/** Parses JSON text and checks it with `validator`; throws ValidationError, also for text that is not JSON. */
export function parseJson<T>(text: string, validator: Validator<T>): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ValidationError('', 'JSON');
  }
  return validator(v, '');
}

/** True for `{…}` objects (not arrays, not null, not class instances). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
