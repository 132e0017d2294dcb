import { describe, expect, it } from 'vitest';
import { pyRepr, reprFloat, reprStr, type ReprValue } from '../../src/hash/pyrepr.js';

// Expected strings are CPython 3.11's repr() of the same values.
describe('reprStr', () => {
  it.each([
    ['abc', "'abc'"],
    ["it's", `"it's"`],
    ['say "hi"', `'say "hi"'`],
    [`it's "x"`, `'it\\'s "x"'`],
    ['a\\b', "'a\\\\b'"],
    ['', "''"],
  ])('chooses quotes and escapes like CPython: %j', (input, expected) => {
    expect(reprStr(input)).toBe(expected);
  });

  it('escapes control characters as \\t \\n \\r and \\xNN', () => {
    expect(reprStr('\t\n\r\x00\x1f\x7f')).toBe("'\\t\\n\\r\\x00\\x1f\\x7f'");
  });

  it('escapes non-printable Latin-1 as \\xNN and keeps printable ones', () => {
    expect(reprStr('\x80\x9f\xa0\xad\xe9')).toBe("'\\x80\\x9f\\xa0\\xadé'");
  });

  it('keeps printable non-ASCII verbatim, including astral characters', () => {
    expect(reprStr('héllo 日本語 😀')).toBe("'héllo 日本語 😀'");
  });

  it('escapes non-printable non-ASCII as \\uNNNN or \\UNNNNNNNN, lone surrogates too', () => {
    expect(reprStr('\u200b\u2028\ufeff\u{e0001}\ud800')).toBe("'\\u200b\\u2028\\ufeff\\U000e0001\\ud800'");
    expect(reprStr('a\u3000b')).toBe("'a\\u3000b'");
  });
});

describe('reprFloat', () => {
  it.each([
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [1.5, '1.5'],
    [0.1, '0.1'],
    [3.12, '3.12'],
    [3.1, '3.1'],
    [100, '100.0'],
    [12345.678, '12345.678'],
    [0.30000000000000004, '0.30000000000000004'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [1e22, '1e+22'],
    [1e100, '1e+100'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.0001, '0.0001'],
    [1e-5, '1e-05'],
    [1.23e-7, '1.23e-07'],
    [2.5e-300, '2.5e-300'],
    [5e-324, '5e-324'],
    [-2.5, '-2.5'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ])('%s → %s', (input, expected) => {
    expect(reprFloat(input)).toBe(expected);
  });
});

describe('pyRepr', () => {
  it('prints ints, booleans and None', () => {
    expect(pyRepr(42n)).toBe('42');
    expect(pyRepr(-12345678901234567890123n)).toBe('-12345678901234567890123');
    expect(pyRepr(true)).toBe('True');
    expect(pyRepr(false)).toBe('False');
    expect(pyRepr(null)).toBe('None');
  });

  it('keeps an int and a float apart', () => {
    expect(pyRepr(1n)).toBe('1');
    expect(pyRepr(1)).toBe('1.0');
  });

  it('prints nested dicts, lists, tuples and dates as CPython does, None inside dicts included', () => {
    const value: ReprValue = {
      type: 'dict',
      entries: [
        ['a', null],
        [
          'b',
          [
            1n,
            true,
            false,
            null,
            2,
            {
              type: 'dict',
              entries: [
                ['c', { type: 'tuple', items: ['x'] }],
                ['d', { type: 'tuple', items: ['x', 'y'] }],
                ['e', { type: 'tuple', items: [] }],
              ],
            },
          ],
        ],
        [1n, 'z'],
        [null, [[]]],
        ['f', { type: 'date', year: 2024, month: 1, day: 5 }],
      ],
    };
    expect(pyRepr(value)).toBe(
      "{'a': None, 'b': [1, True, False, None, 2.0, {'c': ('x',), 'd': ('x', 'y'), 'e': ()}], 1: 'z', None: [[]], 'f': datetime.date(2024, 1, 5)}",
    );
  });

  it('prints YAML timestamps as PyYAML builds them', () => {
    expect(pyRepr({ type: 'datetime', text: '2001-12-14t21:59:43.10-05:00' })).toBe(
      'datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))',
    );
    expect(pyRepr({ type: 'datetime', text: '2001-12-15T02:59:43Z' })).toBe(
      'datetime.datetime(2001, 12, 15, 2, 59, 43, tzinfo=datetime.timezone.utc)',
    );
    expect(pyRepr({ type: 'datetime', text: '2002-12-14 00:00:00' })).toBe(
      'datetime.datetime(2002, 12, 14, 0, 0)',
    );
    expect(pyRepr({ type: 'datetime', text: '2001-12-14 21:59:43.10 +5:30' })).toBe(
      'datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))',
    );
  });
});
