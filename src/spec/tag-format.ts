/**
 * `tag_format.format(spec_hash=...)` as Python's `str.format` evaluates it: `{{`/`}}` escapes, the one
 * field `spec_hash` with an optional conversion (`!s`, `!r`, `!a`) and a string format spec
 * (`[[fill]align][0][width][.precision][s]`). Anything else raises in Python: the spec stage refuses such a
 * template (`tagFormatProblem`) before the hash stage applies it.
 * Written by hand because this is the only part of Python's format mini-language a tag can use.
 */
import { reprStr } from '../hash/pyrepr.js';

const SPEC = /^(?:(.)?([<>^=]))?(0)?(\d+)?(?:\.(\d+))?(s)?$/su;

function formatString(value: string, spec: string, template: string): string {
  const m = SPEC.exec(spec);
  if (!m) throw badFormat(template, `format spec ':${spec}' does not apply to a string`);
  const [, fillChar, align0, zero, widthText, precisionText] = m;
  if (align0 === '=') throw badFormat(template, "'=' alignment is not allowed for a string");
  let v = value;
  if (precisionText !== undefined) v = [...v].slice(0, Number(precisionText)).join('');
  const width = widthText ? Number(widthText) : 0;
  const len = [...v].length;
  if (len >= width) return v;
  const fill = fillChar ?? (zero && !align0 ? '0' : ' ');
  const align = align0 ?? '<';
  const padLen = width - len;
  if (align === '>') return fill.repeat(padLen) + v;
  if (align === '^')
    return fill.repeat(Math.floor(padLen / 2)) + v + fill.repeat(padLen - Math.floor(padLen / 2));
  return v + fill.repeat(padLen);
}

/** A template Python's `str.format` would refuse. */
class TagFormatError extends Error {}

function badFormat(template: string, why: string): TagFormatError {
  return new TagFormatError(
    `tag_format ${reprStr(template)} cannot be applied: ${why}. Use '{spec_hash}' for the hash and '{{' or '}}' for literal braces, e.g. '{spec_hash}-dev'`,
  );
}

/** Why Python would refuse `template.format(spec_hash=...)`, or undefined when it accepts it. */
export function tagFormatProblem(template: string): string | undefined {
  try {
    applyTagFormat(template, 'x'.repeat(22));
    return undefined;
  } catch (err) {
    if (err instanceof TagFormatError) return err.message;
    throw err;
  }
}

/** Applies `tag_format` to the hash exactly as flytekit does; the template must have passed `tagFormatProblem`. */
export function applyTagFormat(template: string, specHash: string): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '}') {
      if (template[i + 1] !== '}') throw badFormat(template, "single '}' encountered");
      out += '}';
      i += 2;
    } else if (c === '{') {
      if (template[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      const end = template.indexOf('}', i);
      if (end < 0) throw badFormat(template, "single '{' encountered");
      const field = template.slice(i + 1, end);
      const m = /^([^!:]*)(?:!([^:]*))?(?::(.*))?$/su.exec(field)!;
      const [, name, conv, spec] = m;
      if (name !== 'spec_hash') {
        throw badFormat(
          template,
          name === '' ? 'positional fields are not available' : `unknown field '${name}'`,
        );
      }
      let value = specHash;
      if (conv !== undefined) {
        if (conv === 'r' || conv === 'a') value = reprStr(specHash);
        else if (conv !== 's') throw badFormat(template, `unknown conversion '!${conv}'`);
      }
      if (spec !== undefined && /[{}]/.test(spec))
        throw badFormat(template, 'nested fields are not available');
      out += formatString(value, spec ?? '', template);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
