/**
 * YAML 1.1 scalar resolution exactly as PyYAML's `SafeLoader` does it.
 *
 * Written by hand because no library reproduces PyYAML: the `yaml` package's YAML 1.1 schema reads
 * `y`/`n` as booleans, `1e3` and `1.0e3` as floats, `09` as an integer and `2024-1-2` as a date, where
 * PyYAML (and so flytekit) sees the strings `'y'`, `'1e3'`, `'09'` and `'2024-1-2'`. The regular
 * expressions below are PyYAML's implicit resolvers; the constructors follow `SafeConstructor`.
 */
import type { PyDate, PyDateTime, PyValue } from './types.js';

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const DATE_ONLY_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const TIMESTAMP_PARTS_RE =
  /^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/;

export const TAG_STR = 'tag:yaml.org,2002:str';
export const TAG_INT = 'tag:yaml.org,2002:int';
export const TAG_FLOAT = 'tag:yaml.org,2002:float';
export const TAG_BOOL = 'tag:yaml.org,2002:bool';
export const TAG_NULL = 'tag:yaml.org,2002:null';
export const TAG_TIMESTAMP = 'tag:yaml.org,2002:timestamp';
export const TAG_MERGE = 'tag:yaml.org,2002:merge';
export const TAG_VALUE = 'tag:yaml.org,2002:value';

/** The tag PyYAML's resolver gives a plain (unquoted) scalar. */
export function resolvePlain(text: string): string {
  // PyYAML picks resolvers by the first character; the expressions are anchored, so testing all is equivalent.
  if (BOOL_RE.test(text)) return TAG_BOOL;
  if (INT_RE.test(text)) return TAG_INT;
  if (FLOAT_RE.test(text)) return TAG_FLOAT;
  if (NULL_RE.test(text)) return TAG_NULL;
  if (TIMESTAMP_RE.test(text)) return TAG_TIMESTAMP;
  if (text === '<<') return TAG_MERGE;
  if (text === '=') return TAG_VALUE;
  return TAG_STR;
}

/** Thrown when PyYAML itself would fail to construct the value. */
export class ConstructError extends Error {}

/** `SafeConstructor.construct_yaml_int`. */
export function constructInt(text: string): bigint {
  let value = text.replace(/_/g, '');
  let sign = 1n;
  if (value.startsWith('-')) sign = -1n;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  try {
    if (value === '0') return 0n;
    if (value.startsWith('0b')) return sign * BigInt(value);
    if (value.startsWith('0x')) return sign * BigInt(value);
    if (value.startsWith('0') && /^[0-7]+$/.test(value)) return sign * BigInt(`0o${value.slice(1)}`);
    if (value.includes(':')) {
      const digits = value.split(':').map((d) => BigInt(d));
      let base = 1n;
      let result = 0n;
      for (const d of digits.reverse()) {
        result += d * base;
        base *= 60n;
      }
      return sign * result;
    }
    if (/^[0-9]+$/.test(value)) return sign * BigInt(value);
  } catch {
    // fall through
  }
  throw new ConstructError(`'${text}' is not an integer`);
}

/** `SafeConstructor.construct_yaml_float`. */
export function constructFloat(text: string): number {
  let value = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value.startsWith('-')) sign = -1;
  if (value[0] === '-' || value[0] === '+') value = value.slice(1);
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  if (value.includes(':')) {
    const digits = value.split(':').map((d) => Number(d));
    let base = 1;
    let result = 0;
    for (const d of digits.reverse()) {
      result += d * base;
      base *= 60;
    }
    return sign * result;
  }
  // Python's float() syntax: digits with an optional point and exponent.
  if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(value)) return sign * Number(value);
  throw new ConstructError(`'${text}' is not a float`);
}

/** `SafeConstructor.construct_yaml_bool` (explicit `!!bool` accepts any case of the six words). */
export function constructBool(text: string): boolean {
  const v = text.toLowerCase();
  if (v === 'yes' || v === 'true' || v === 'on') return true;
  if (v === 'no' || v === 'false' || v === 'off') return false;
  throw new ConstructError(`'${text}' is not a boolean`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `SafeConstructor.construct_yaml_timestamp`: a date, or a datetime kept as written. */
export function constructTimestamp(text: string): PyDate | PyDateTime {
  const m = TIMESTAMP_PARTS_RE.exec(text);
  if (!m) throw new ConstructError(`'${text}' is not a timestamp`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new ConstructError(`'${text}' is not a valid date`);
  }
  if (m[4] === undefined) {
    if (!DATE_ONLY_RE.test(text)) throw new ConstructError(`'${text}' is not a timestamp`);
    return { type: 'date', year, month, day };
  }
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) throw new ConstructError(`'${text}' is not a valid time`);
  return { type: 'datetime', text };
}

/** Tags PyYAML's safe_load does load, into Python values no ImageSpec field takes. */
const NOT_PLAIN: Readonly<Record<string, string>> = {
  'tag:yaml.org,2002:binary': 'bytes',
  'tag:yaml.org,2002:omap': 'a list of (key, value) tuples',
  'tag:yaml.org,2002:pairs': 'a list of (key, value) tuples',
  'tag:yaml.org,2002:set': 'a set',
};

/** Why a value with this explicit tag is refused, or undefined for the tags of plain values. */
export function tagProblem(tag: string): string | undefined {
  const as = NOT_PLAIN[tag];
  if (as === undefined) return undefined;
  const short = tag.replace('tag:yaml.org,2002:', '!!');
  return `a value tagged ${short} loads in PyYAML as ${as}, not a plain value (string, number, list or mapping) that an ImageSpec field takes; remove the tag`;
}

/** Construct a scalar with the given tag, as PyYAML's SafeConstructor would. */
export function constructScalar(tag: string, text: string): PyValue {
  switch (tag) {
    case TAG_STR:
      return text;
    case TAG_INT:
      return constructInt(text);
    case TAG_FLOAT:
      return constructFloat(text);
    case TAG_BOOL:
      return constructBool(text);
    case TAG_NULL:
      return null;
    case TAG_TIMESTAMP:
      return constructTimestamp(text);
    default:
      throw new ConstructError(`the tag ${tag} is not one PyYAML's safe_load knows`);
  }
}

/** A short display of a value in messages (lists and mappings abbreviated); CPython repr lives in src/hash/pyrepr.ts. */
export function displayValue(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    if (Number.isInteger(value)) return `${value}.0`;
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return '[...]';
  if (value.type === 'dict') return '{...}';
  if (value.type === 'date') {
    const p = (n: number, w: number) => String(n).padStart(w, '0');
    return `${p(value.year, 4)}-${p(value.month, 2)}-${p(value.day, 2)}`;
  }
  return value.text;
}

/** A short description of a value's Python type for messages. */
export function pyTypeName(value: PyValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'a list';
  if (value.type === 'dict') return 'a mapping';
  if (value.type === 'date') return 'a date';
  return 'a timestamp';
}
