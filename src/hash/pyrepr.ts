/**
 * Python's `repr()` of the values PyYAML's `safe_load` produces, byte for byte as CPython 3 prints them.
 *
 * flytekit's image tag is the MD5 of `str(dict)` of the spec, so reproducing its tag needs CPython's exact
 * text: quote choice and escapes of `str`, shortest round-trip `float` repr, `True`/`False`/`None`, and the
 * container forms. No npm package serializes values the way CPython does (JSON-like serializers differ in
 * quotes, escapes, floats and booleans), so it is written here against CPython's `unicode_repr` and
 * `float_repr` (`repr` style 'r', i.e. `format(x, 'r')`).
 */
import type { PyValue } from '../spec/types.js';

/** A Python tuple. Only hashing builds these (flytekit keeps `pip_secret_mounts` as tuples). */
export interface PyTuple {
  type: 'tuple';
  items: ReprValue[];
}
/** Every value `pyRepr` accepts: PyYAML's values plus tuples, with containers holding the same. */
export type ReprValue =
  | Exclude<PyValue, PyValue[] | { type: 'dict' }>
  | ReprValue[]
  | { type: 'dict'; entries: Array<[ReprValue, ReprValue]> }
  | PyTuple;

/** `repr(s)` for a Python `str`. */
export function reprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (isPrintable(cp)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

/**
 * CPython's `Py_UNICODE_ISPRINTABLE`: everything but the categories Other (Cc, Cf, Cs, Co, Cn) and
 * Separator (Zl, Zp, Zs), except that ASCII space is printable. The Unicode version is Node's (ICU), which
 * can differ from the Python build's only for code points assigned between the two versions.
 */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}]/u;
function isPrintable(cp: number): boolean {
  return cp === 0x20 || !NON_PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * `repr(x)` for a Python `float`: the shortest string that round-trips (JavaScript's `Number#toString`
 * finds the same digits), laid out as CPython's `float_repr_style == 'short'` does: positional notation
 * for decimal exponents -5 <= exp < 16, otherwise `d.ddde+XX` with at least two exponent digits.
 */
export function reprFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${frac}e${exp < 0 ? '-' : '+'}${e}`;
  }
  let body: string;
  if (exp < 0) body = `0.${'0'.repeat(-exp - 1)}${digits}`;
  else if (digits.length <= exp + 1) body = `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  else body = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return sign + body;
}

/** `repr()` of any value PyYAML produces (plus tuples), as CPython prints it. */
export function pyRepr(v: ReprValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return reprFloat(v);
  if (typeof v === 'string') return reprStr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  switch (v.type) {
    case 'dict':
      return `{${v.entries.map(([k, val]) => `${pyRepr(k)}: ${pyRepr(val)}`).join(', ')}}`;
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'date':
      return `datetime.date(${v.year}, ${v.month}, ${v.day})`;
    case 'datetime':
      return reprDateTime(v.text);
  }
}

/**
 * `repr(datetime.datetime)` for a YAML 1.1 timestamp, following PyYAML's `construct_yaml_timestamp`:
 * the fraction is cut to 6 digits, a zone offset becomes `tzinfo=datetime.timezone(...)` (PyYAML >= 5.1),
 * `Z` becomes `datetime.timezone.utc`, and zero seconds/microseconds are omitted as CPython omits them.
 */
function reprDateTime(text: string): string {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d{1,2})(?::?(\d{2}))?))?$/.exec(
      text.trim(),
    );
  if (!m) return `datetime.datetime(${reprStr(text)})`;
  const [, y, mo, d, h, mi, s, frac, tz, tzSign, tzH, tzM] = m;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi)].map(String);
  const micro = frac ? Number(frac.slice(0, 6).padEnd(6, '0')) : 0;
  if (Number(s) !== 0 || micro !== 0) parts.push(String(Number(s)));
  if (micro !== 0) parts.push(String(micro));
  if (tz === 'Z') parts.push('tzinfo=datetime.timezone.utc');
  else if (tz) {
    const minutes = Number(tzH) * 60 + Number(tzM ?? 0);
    if (minutes === 0) parts.push('tzinfo=datetime.timezone.utc');
    else {
      const signed = tzSign === '-' ? -minutes : minutes;
      // repr(timedelta): days and seconds, days negative for negative offsets.
      const days = Math.floor((signed * 60) / 86400);
      const seconds = signed * 60 - days * 86400;
      const delta = days === 0 ? `seconds=${seconds}` : `days=${days}, seconds=${seconds}`;
      parts.push(`tzinfo=datetime.timezone(datetime.timedelta(${delta}))`);
    }
  }
  return `datetime.datetime(${parts.join(', ')})`;
}
