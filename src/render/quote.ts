/**
 * Quoting for spec values that end up in a Dockerfile. Every spec value the renderer writes goes through
 * one of these functions, so a value stays data: it can never start a new instruction, end a RUN line,
 * or add shell syntax. RUN scripts are then written in exec form (./dockerfile.ts), which BuildKit never
 * reads for heredocs or continuations.
 *
 * Written by hand because the rules are Dockerfile-specific: a literal line break ends an instruction
 * whatever the quoting (so it is rejected, not escaped), ENV and LABEL values are expanded by the
 * Dockerfile parser itself (`$`, `"` and `\` need escaping there), and RUN arguments are read by
 * `/bin/sh`, for which POSIX single quotes are the only form with no special characters inside.
 */
import { UserError } from '../errors.js';
import { argWords } from '../spec/args.js';
import type { ImageSpec } from '../spec/types.js';

/** Where a value came from, for error messages: the image and the field path inside it. */
export interface ValueSource {
  spec: ImageSpec;
  path: string;
}

/**
 * A field's path as the spec stage reports it: relative to the document, so `packages[1]` in a single-image
 * file and `images.app.packages[1]` in an `images:` map.
 */
export function fieldPath(spec: ImageSpec, path: string): string {
  const prefix = spec.fieldPrefix ?? `images.${spec.id}`;
  if (!prefix) return path;
  return path ? `${prefix}.${path}` : prefix;
}

/**
 * The error for a spec value the renderer cannot use, as one Diagnostic like the spec stage's own problems
 * (the CLI prints `FILE:LINE:COL: error: PATH: MESSAGE`; the action annotates the line).
 */
export function specError(src: ValueSource, message: string): UserError {
  const pos = src.spec.pos(src.path);
  const where = fieldPath(src.spec, src.path);
  return new UserError(`${pos.file}: 1 problem in the spec file`, [
    {
      file: pos.file,
      line: pos.line,
      col: pos.col,
      path: where,
      message: where ? `${where}: ${message}` : message,
    },
  ]);
}

function fail(src: ValueSource, message: string): never {
  throw specError(src, message);
}

// Control characters other than tab, including CR, LF, DEL and the Unicode line separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

/** Rejects values that a single Dockerfile line cannot hold. */
export function singleLine(value: string, src: ValueSource): string {
  if (CONTROL.test(value)) {
    fail(
      src,
      `the value ${JSON.stringify(value)} contains a line break or control character, which a Dockerfile ` +
        'line cannot hold; write it on one line',
    );
  }
  return value;
}

/**
 * A `commands` entry: shell by design. It is written as the script of an exec-form RUN (one JSON string),
 * so line breaks, heredocs, trailing backslashes and `#` are the shell's business and cannot reach the
 * Dockerfile parser. Only what a process argument cannot carry (NUL) and an empty command are refused.
 */
export function commandLine(value: string, src: ValueSource): string {
  if (value.includes('\u0000'))
    fail(src, 'the command contains a NUL character, which a process argument cannot hold; remove it');
  if (value.trim() === '') fail(src, 'the command is empty; remove it');
  return value;
}

/** POSIX shell single-quoting: the result is one shell word whose value is exactly `value`. */
export function shQuote(value: string, src: ValueSource): string {
  singleLine(value, src);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A double-quoted string for ENV and LABEL: the Dockerfile parser expands `$` and interprets `\` and `"`
 * inside double quotes, so those three are escaped and nothing else is special.
 */
export function dockerString(value: string, src: ValueSource): string {
  singleLine(value, src);
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** An environment variable name that ENV accepts and a shell can read. */
export function envName(name: string, src: ValueSource): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    fail(src, `'${name}' is not a valid environment variable name; use letters, digits and '_'`);
  }
  return name;
}

/**
 * Values that go inside a `--mount=` or `FROM` (image references, mount targets, secret ids) cannot be
 * quoted there; they are restricted to characters with no meaning to either parser.
 */
export function plainToken(value: string, src: ValueSource, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(value) && !/^\/[A-Za-z0-9._:@/+~-]*$/.test(value)) {
    fail(
      src,
      `${what} ${JSON.stringify(value)} may contain only letters, digits and . _ : @ / + - (no spaces, quotes or commas)`,
    );
  }
  return value;
}

/**
 * Splits an argument string such as `pip_extra_args: "--pre --no-cache-dir"` into words (src/spec/args.ts,
 * which the spec stage checks with); what it refuses never reaches here from a validated spec.
 */
export function splitArgs(value: string, src: ValueSource): string[] {
  const split = argWords(value);
  if ('problem' in split) fail(src, split.problem);
  return split.words;
}
