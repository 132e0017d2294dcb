/**
 * `tag_format.format(spec_hash=...)` as Python's `str.format` evaluates it: `{{`/`}}` escapes, the one
 * field `spec_hash` with an optional conversion (`!s`, `!r`, `!a`) and a string format spec
 * (`[[fill]align][0][width][.precision][s]`). Anything else raises in Python, so it is a user error here.
 * Written by hand because this is the only part of Python's format mini-language a tag can use.
 */
import { UserError } from '../errors.js';
import { reprStr } from './pyrepr.js';

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

function badFormat(template: string, why: string): UserError {
  return new UserError(
    `tag_format ${reprStr(template)} cannot be applied: ${why}. Use '{spec_hash}' for the hash and '{{' or '}}' for literal braces, e.g. '{spec_hash}-dev'`,
  );
}

/** Applies `tag_format` to the hash exactly as flytekit does. */
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
