// The small validators every message is checked with: each accepts exactly its range and says what it
// expected and where (the path a person reads in "That request was malformed (…)").
import { describe, expect, it } from 'vitest';
import {
  arr,
  bool,
  dict,
  int,
  isPlainObject,
  literal,
  nullable,
  obj,
  oneOf,
  opt,
  parseJson,
  str,
  ValidationError,
} from '../../src/channel/validate.js';

/** The message of the ValidationError `fn` throws. */
function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).name).toBe('ValidationError');
    return (err as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('validators', () => {
  it('str: a string within its lengths', () => {
    const v = str(3, 1);
    expect(v('abc', 'name')).toBe('abc');
    expect(v('a', 'name')).toBe('a');
    expect(refused(() => v('abcd', 'name'))).toBe('name: expected a string of 1–3 characters');
    expect(refused(() => v('', 'name'))).toBe('name: expected a string of 1–3 characters');
    expect(refused(() => v(3, ''))).toBe('value: expected a string of 1–3 characters');
    expect(str()('x'.repeat(256), 'p')).toHaveLength(256);
    expect(() => str()('x'.repeat(257), 'p')).toThrow(ValidationError);
  });

  it('int: a safe whole number within its range', () => {
    const v = int(1, 10);
    expect(v(1, 'n')).toBe(1);
    expect(v(10, 'n')).toBe(10);
    for (const bad of [0, 11, 1.5, '5', Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(refused(() => v(bad, 'n'))).toBe('n: expected an integer from 1 to 10');
    }
    expect(int(0, 2 ** 60)(2 ** 53 - 1, 'n')).toBe(2 ** 53 - 1);
    expect(() => int(0, 2 ** 60)(2 ** 53, 'n')).toThrow(ValidationError);
  });

  it('bool, literal, oneOf, opt and nullable', () => {
    expect(bool(false, 'b')).toBe(false);
    expect(refused(() => bool('true', 'b'))).toBe('b: expected true or false');
    expect(literal(2)(2, 'l')).toBe(2);
    expect(() => literal(2)(3, 'l')).toThrow(ValidationError);
    const kind = oneOf('pty', 'acp');
    expect(kind('acp', 'kind')).toBe('acp');
    expect(refused(() => kind('tty', 'kind'))).toBe('kind: expected one of pty, acp');
    expect(refused(() => kind(1, 'kind'))).toBe('kind: expected one of pty, acp');
    expect(opt(int(0, 1))(undefined, 'o')).toBeUndefined();
    expect(() => opt(int(0, 1))(null, 'o')).toThrow(ValidationError);
    expect(nullable(int(0, 1))(null, 'n')).toBeNull();
    expect(nullable(int(0, 1))(1, 'n')).toBe(1);
    expect(() => nullable(int(0, 1))(undefined, 'n')).toThrow(ValidationError);
  });

  it('arr: a list of at most its length, each item checked at its index', () => {
    const v = arr(int(0, 9), 2);
    expect(v([1, 2], 'xs')).toEqual([1, 2]);
    expect(v([], 'xs')).toEqual([]);
    expect(refused(() => v([1, 2, 3], 'xs'))).toBe('xs: expected a list of at most 2 items');
    expect(refused(() => v({ length: 1, 0: 1 }, 'xs'))).toBe('xs: expected a list of at most 2 items');
    expect(refused(() => v([1, 10], 'xs'))).toBe('xs[1]: expected an integer from 0 to 9');
  });

  it('dict: a plain object of at most its entries, keys of bounded length, values checked by key', () => {
    const v = dict(str(5), 2, 4);
    expect(v({ a: 'x', bcde: 'y' }, 'env')).toEqual({ a: 'x', bcde: 'y' });
    expect(v({}, 'env')).toEqual({});
    expect(refused(() => v({ a: '1', b: '2', c: '3' }, 'env'))).toBe('env: expected an object of at most 2 entries');
    expect(refused(() => v([], 'env'))).toBe('env: expected an object of at most 2 entries');
    expect(refused(() => v(null, 'env'))).toBe('env: expected an object of at most 2 entries');
    expect(refused(() => v({ abcde: 'x' }, 'env'))).toBe('env.abcde: expected a shorter key');
    expect(refused(() => v({ ['k'.repeat(40)]: 'x' }, 'env'))).toBe(`env.${'k'.repeat(32)}: expected a shorter key`);
    expect(refused(() => v({ a: 'toolong' }, 'env'))).toBe('env.a: expected a string of 0–5 characters');
    // The result has no prototype: a key like "__proto__" or "constructor" is just a key.
    const out = dict(str(5), 2)(JSON.parse('{"__proto__":"x","constructor":"y"}'), 'env');
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(Object.entries(out)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('obj: the fields of its shape, checked by path; absent optional fields stay absent; others dropped', () => {
    const v = obj({ id: str(4, 1), n: opt(int(0, 9)), inner: opt(obj({ ok: bool })) });
    expect(v({ id: 'ab', extra: 1 }, '')).toEqual({ id: 'ab' });
    expect(Object.keys(v({ id: 'ab', n: undefined }, ''))).toEqual(['id']);
    expect(v({ id: 'ab', n: 0, inner: { ok: true } }, 'm')).toEqual({ id: 'ab', n: 0, inner: { ok: true } });
    expect(refused(() => v({ id: '' }, ''))).toBe('id: expected a string of 1–4 characters');
    expect(refused(() => v({ id: 'ab', inner: { ok: 1 } }, 'msg'))).toBe('msg.inner.ok: expected true or false');
    expect(() => v([], '')).toThrow(ValidationError);
    expect(() => v('x', '')).toThrow(ValidationError);
  });

  it('parseJson and isPlainObject', () => {
    expect(parseJson('{"id":"ab"}', obj({ id: str() }))).toEqual({ id: 'ab' });
    expect(refused(() => parseJson('{', obj({})))).toBe('value: expected JSON');
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const no of [null, [], 'x', 1, undefined, new Date(), new (class X {})()])
      expect(isPlainObject(no)).toBe(false);
  });
});
