/**
 * YAML 1.1 as PyYAML's safe_load reads it: the values flytekit receives.
 * The expected values in the table were produced with PyYAML 6.0.3 (`yaml.safe_load`).
 */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../src/spec/index.js';
import type { PyDict, PyValue } from '../../src/spec/types.js';

function value(text: string): PyValue {
  const { doc, diagnostics } = parseSpecText('t.yaml', `v: ${text}\n`);
  expect(diagnostics).toEqual([]);
  return (doc!.value as PyDict).entries[0]![1];
}

const date = (year: number, month: number, day: number): PyValue => ({ type: 'date', year, month, day });

// [scalar as written, value PyYAML's safe_load gives]
const QUIRKS: Array<[string, PyValue]> = [
  ['yes', true],
  ['Yes', true],
  ['YES', true],
  ['no', false],
  ['on', true],
  ['Off', false],
  ['true', true],
  ['FALSE', false],
  ['y', 'y'],
  ['n', 'n'],
  ['Y', 'Y'],
  ['yEs', 'yEs'],
  ['0755', 493n],
  ['0', 0n],
  ['-0', 0n],
  ['+12', 12n],
  ['09', '09'],
  ['0b101', 5n],
  ['0x1F', 31n],
  ['-0x10', -16n],
  ['1_000', 1000n],
  ['1:30', 90n],
  ['190:20:30', 685230n],
  ['01:30', '01:30'],
  ['8080:80', '8080:80'],
  ['0o17', '0o17'],
  ['3.10', 3.1],
  ['3.1', 3.1],
  ['1.0', 1.0],
  ['1.', 1.0],
  ['.5', 0.5],
  ['1e3', '1e3'],
  ['1.0e3', '1.0e3'],
  ['1.0e+3', 1000],
  ['6.8523015e+5', 685230.15],
  ['1_000.5', 1000.5],
  ['190:20:30.15', 685230.15],
  ['.inf', Infinity],
  ['-.Inf', -Infinity],
  ['~', null],
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['', null],
  ['nULL', 'nULL'],
  ['2024-01-15', date(2024, 1, 15)],
  ['2024-1-15', '2024-1-15'],
  ['2001-12-14t21:59:43.10-05:00', { type: 'datetime', text: '2001-12-14t21:59:43.10-05:00' }],
  ['2001-12-14 21:59:43.10 -5', { type: 'datetime', text: '2001-12-14 21:59:43.10 -5' }],
  ['"3.10"', '3.10'],
  ["'yes'", 'yes'],
  ['!!str 3.10', '3.10'],
  ['!!int "42"', 42n],
  ['!!float 1', 1.0],
  ['!!bool "on"', true],
  ['! 12', 12n],
  ['! "12"', 12n],
  ['3.10.1', '3.10.1'],
  ['python:3.11', 'python:3.11'],
  ['a b', 'a b'],
];

describe('YAML 1.1 scalars as PyYAML reads them', () => {
  it.each(QUIRKS)('%s', (text, expected) => {
    const v = value(text);
    if (typeof expected === 'number') {
      expect(typeof v).toBe('number');
      expect(v).toBeCloseTo(expected as number, 6);
      if (!Number.isFinite(expected)) expect(v).toBe(expected);
    } else {
      expect(v).toEqual(expected);
    }
  });

  it('keeps integers and floats apart (1 is int, 1.0 is float)', () => {
    expect(typeof value('1')).toBe('bigint');
    expect(typeof value('1.0')).toBe('number');
  });

  it('reads .nan as NaN', () => {
    expect(Number.isNaN(value('.NaN') as number)).toBe(true);
  });

  it('reads a key such as on: as the boolean True', () => {
    const { doc } = parseSpecText('t.yaml', 'on: 1\n');
    expect((doc!.value as PyDict).entries[0]![0]).toBe(true);
  });
});

describe('merge keys and duplicates', () => {
  const entries = (text: string, key: string): Array<[PyValue, PyValue]> => {
    const { doc, diagnostics } = parseSpecText('t.yaml', text);
    expect(diagnostics).toEqual([]);
    const v = (doc!.value as PyDict).entries.find(([k]) => k === key)![1] as PyDict;
    return v.entries;
  };

  it('puts merged keys first and lets explicit keys override in place', () => {
    const text = 'base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n  c: 4\n';
    expect(entries(text, 'x')).toEqual([
      ['a', 1n],
      ['b', 3n],
      ['c', 4n],
    ]);
  });

  it('merges a list of mappings with the first one winning, keys of later ones first', () => {
    const text = 'm1: &m1 {a: 1, b: 1}\nm2: &m2 {b: 2, c: 2}\nx:\n  <<: [*m1, *m2]\n';
    expect(entries(text, 'x')).toEqual([
      ['b', 1n],
      ['c', 2n],
      ['a', 1n],
    ]);
  });

  it('treats a quoted "<<" as an ordinary key', () => {
    expect(entries('x:\n  "<<": 1\n', 'x')).toEqual([['<<', 1n]]);
  });

  it('reports duplicate keys (PyYAML would keep the last silently), including 1 and 0x1', () => {
    const { diagnostics } = parseSpecText('t.yaml', 'env:\n  1: a\n  0x1: b\n');
    expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [3, 3, 'duplicate key 1; remove one of them (PyYAML would silently keep only the last)'],
    ]);
  });

  it('keeps the position of every node, also through aliases', () => {
    const { doc } = parseSpecText(
      't.yaml',
      'env: &e\n  A: "1"\nimages:\n  app:\n    env: *e\n    packages:\n      - numpy\n',
    );
    expect(doc!.nodes.get('env.A')?.pos).toEqual({ file: 't.yaml', line: 2, col: 6 });
    expect(doc!.nodes.get('env.A')?.keyPos).toEqual({ file: 't.yaml', line: 2, col: 3 });
    expect(doc!.nodes.get('images.app.env')?.pos).toEqual({ file: 't.yaml', line: 5, col: 10 });
    expect(doc!.nodes.get('images.app.packages[0]')?.pos).toEqual({ file: 't.yaml', line: 7, col: 9 });
  });
});

describe('tags PyYAML loads into values no field takes', () => {
  it('names what !!binary, !!omap, !!pairs and !!set load as, without claiming PyYAML fails', () => {
    const { diagnostics } = parseSpecText(
      't.yaml',
      'name: app\nbuilder: !!binary aGVsbG8=\npackages: !!omap\n  - a: 1\ncommands: !!pairs\n  - a: 1\nenv: !!set {a}\n',
    );
    expect(diagnostics.map((d) => [d.line, d.col, d.message])).toEqual([
      [2, 19, expect.stringMatching(/^a value tagged !!binary loads in PyYAML as bytes, not a plain value/)],
      [
        4,
        3,
        expect.stringMatching(/^a value tagged !!omap loads in PyYAML as a list of \(key, value\) tuples/),
      ],
      [6, 3, expect.stringMatching(/^a value tagged !!pairs loads/)],
      [7, 12, expect.stringMatching(/^a value tagged !!set loads in PyYAML as a set/)],
    ]);
    for (const d of diagnostics) expect(d.message).not.toMatch(/fails|cannot load/);
  });
});
