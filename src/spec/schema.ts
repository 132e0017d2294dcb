/**
 * JSON Schema validation (schema/imagespec.schema.json, draft 2020-12) with ajv, and the mapping of
 * ajv's errors to messages that say what is wrong, where, and how to fix it.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import schemaJson from '../../schema/imagespec.schema.json' with { type: 'json' };
import { compileSchemaValidator } from './schema-compile.js';
import type { SpecDocument } from './load.js';
import { childPath } from './load.js';
import { didYouMean } from './suggest.js';
import { FLYTEKIT_FIELDS, type Diagnostic, type PyValue, type SourcePos } from './types.js';
import { excerpt } from './excerpt.js';
import { displayValue, pyTypeName } from './yaml11.js';
import { userRecord } from '../util/record.js';

export const SCHEMA: object = schemaJson;

let compiled: ValidateFunction | undefined;

/**
 * The schema validator (ajv, all errors, annotation keyword `x-hint` for messages): compiled at build time
 * in dist/, at first use when run from source (see schema-compile.ts).
 */
export function schemaValidator(): ValidateFunction {
  compiled ??= compileSchemaValidator();
  return compiled;
}

/**
 * The JSON value ajv sees. Dates become `{"$date": ...}` so they never pass as strings;
 * mappings drop keys that are not strings (reported separately).
 */
export function toJson(value: PyValue): unknown {
  if (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'string' ||
    typeof value === 'number'
  ) {
    return value;
  }
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value.type === 'dict') {
    const out = userRecord<unknown>();
    for (const [k, v] of value.entries) if (typeof k === 'string') out[k] = toJson(v);
    return out;
  }
  return { $date: displayValue(value) };
}

/** Follow a JSON pointer through the Python value, giving the field path and the value there. */
function resolvePointer(root: PyValue, pointer: string): { path: string; value: PyValue | undefined } {
  let path = '';
  let value: PyValue | undefined = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      const i = Number(seg);
      path = childPath(path, i);
      value = value[i];
    } else if (value !== null && typeof value === 'object' && 'type' in value && value.type === 'dict') {
      path = childPath(path, seg);
      value = value.entries.find(([k]) => k === seg)?.[1];
    } else {
      path = childPath(path, seg);
      value = undefined;
    }
  }
  return { path, value };
}

const NOUN: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a mapping',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
};

/** `write "3.10" (unquoted, 3.10 reads as the number 3.1)` for scalars YAML typed against the user's intent. */
export function typingFix(
  value: PyValue | undefined,
  text: string | undefined,
  plain: boolean | undefined,
): string {
  if (value === undefined) return '';
  if (value === null)
    return plain && text === '' ? 'it is empty; give a value or remove the line' : 'it is null';
  if (Array.isArray(value)) return 'it is a list';
  if (typeof value === 'object' && value.type === 'dict') return 'it is a mapping';
  if (typeof value === 'string') return `it is the string ${excerpt(value)}`;
  if (!plain || text === undefined) return `it is ${pyTypeName(value)} (${displayValue(value)})`;
  let reads: string;
  if (typeof value === 'boolean') reads = `the boolean ${displayValue(value)}`;
  else if (typeof value === 'bigint' || typeof value === 'number') {
    reads = displayValue(value) === text ? 'a number' : `the number ${displayValue(value)}`;
  } else reads = value.type === 'date' ? 'a date' : 'a timestamp';
  return `write ${excerpt(text)} (unquoted, ${text} reads as ${reads})`;
}

function hintOf(e: ErrorObject): string | undefined {
  const ps = e.parentSchema as Record<string, unknown> | undefined;
  const hint = ps?.['x-hint'];
  return typeof hint === 'string' ? hint : undefined;
}

function fieldName(path: string): string {
  return path === '' ? 'the spec file' : path;
}

/**
 * How strictly a spec is checked. `strict` (validate, plan, render, build): everything this tool needs to
 * build safely. `hash` (tag, explain): only what flytekit itself refuses, so every spec pyflyte accepts
 * gets its tag (docs/spec.md, "Validation levels").
 */
export type SpecMode = 'strict' | 'hash';

const FLYTEKIT = new Set<string>(FLYTEKIT_FIELDS);
/** Fields flytekit's `ImageSpec.__post_init__` requires to be a list of strings (or None). */
const FLYTEKIT_STRING_LISTS = new Set([
  'packages',
  'conda_channels',
  'conda_packages',
  'apt_packages',
  'pip_extra_index_url',
  'entrypoint',
  'commands',
]);

/** The image field an error is about (`packages` for `/images/app/packages/0`), if any. */
function imageField(root: PyValue, pointer: string): string | undefined {
  const segs = pointer.split('/').slice(1);
  const isMap =
    root !== null &&
    typeof root === 'object' &&
    !Array.isArray(root) &&
    root.type === 'dict' &&
    root.entries.some(([k]) => k === 'images');
  return isMap ? (segs[0] === 'images' ? segs[2] : undefined) : segs[0];
}

/**
 * Whether flytekit itself refuses what this schema error is about: unknown fields and the document
 * structure (`ImageSpec(**d)` raises TypeError), extension fields (flytekit has none of them), `name`
 * that is not a string, the string-list fields and `pip_secret_mounts` pairs `__post_init__` checks,
 * and `registry` names its `validate_container_registry_name` rejects (the same pattern as the schema's).
 * Formats this tool adds for safe builds (versions, env names, apt names, URLs, platforms) are not.
 */
function flytekitRefuses(root: PyValue, e: ErrorObject): boolean {
  const field = imageField(root, e.instancePath);
  if (field === undefined || !FLYTEKIT.has(field)) return true;
  if (FLYTEKIT_STRING_LISTS.has(field)) return e.keyword === 'type';
  if (field === 'pip_secret_mounts') return ['type', 'minItems', 'maxItems'].includes(e.keyword);
  // flytekit checks the registry only when it is truthy.
  if (field === 'registry') return e.keyword === 'type' || (e.keyword === 'pattern' && e.data !== '');
  if (field === 'name') return e.keyword === 'type';
  return false;
}

/**
 * `python_version: 3.11` unquoted: YAML reads a float, and flytekit uses it as is. Accepted when the float
 * reads back as the text written (3.9, 3.11, 3.12), the one rule about it a JSON Schema cannot express (it
 * sees only the number); `3.10` reads as 3.1, which flytekit would then use, so it stays refused.
 */
function exactFloatVersion(doc: SpecDocument, e: ErrorObject): boolean {
  if (e.keyword !== 'type' || imageField(doc.value, e.instancePath) !== 'python_version') return false;
  const { path, value } = resolvePointer(doc.value, e.instancePath);
  if (typeof value !== 'number') return false;
  const text = doc.nodes.get(path)?.text;
  return text !== undefined && text === displayValue(value) && /^[0-9]+\.[0-9]+$/.test(text);
}

/**
 * The keyword of a schema node that the semantic checks (semantic.ts) report with a better message:
 * `"x-refined": "pattern"` next to a pattern says so. Such errors are reported only when the semantic
 * checks have nothing to say at that place, so each problem is reported once, with the best message.
 */
function isRefined(e: ErrorObject): boolean {
  const ps = e.parentSchema as Record<string, unknown> | undefined;
  return ps?.['x-refined'] === e.keyword;
}

/** Schema diagnostics, split into the ones to report and the ones the semantic checks refine. */
export interface SchemaProblems {
  reported: Diagnostic[];
  refined: Diagnostic[];
}

/**
 * Validate a document against the JSON Schema. In the `hash` mode, only what flytekit refuses; refined
 * errors (rules of the semantic checks) are strict-only.
 */
export function schemaProblems(doc: SpecDocument, mode: SpecMode = 'strict'): SchemaProblems {
  const validate = schemaValidator();
  if (validate(toJson(doc.value))) return { reported: [], refined: [] };
  const all = (validate.errors ?? []).filter(
    (e) =>
      !exactFloatVersion(doc, e) && (mode === 'strict' || (!isRefined(e) && flytekitRefuses(doc.value, e))),
  );
  return {
    reported: schemaMessages(
      doc,
      all.filter((e) => !isRefined(e)),
      all,
    ),
    refined: schemaMessages(doc, all.filter(isRefined), all),
  };
}

/** ajv errors → diagnostics at the offending nodes; `context` holds every error, for combinators. */
function schemaMessages(doc: SpecDocument, errors: ErrorObject[], context: ErrorObject[]): Diagnostic[] {
  const combinators = context.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const nodePos = (path: string, key = false): SourcePos => {
    const n = doc.nodes.get(path);
    const root = doc.nodes.get('')?.pos ?? { file: doc.file, line: 1, col: 1 };
    return (key ? n?.keyPos : undefined) ?? n?.pos ?? root;
  };
  const push = (at: SourcePos, path: string, message: string) => {
    const id = `${at.line}:${at.col}:${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ file: at.file, line: at.line, col: at.col, path, message });
  };

  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    if (combinators.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`))) continue;
    const { path, value } = resolvePointer(doc.value, e.instancePath);
    const node = doc.nodes.get(path);
    const name = fieldName(path);
    const params = e.params as Record<string, unknown>;
    const hint = hintOf(e);

    if (e.propertyName !== undefined) {
      const keyPath = childPath(path, e.propertyName);
      push(
        nodePos(keyPath, true),
        keyPath,
        `${name} key ${excerpt(e.propertyName)} ${hint ?? 'is not allowed'}`,
      );
      continue;
    }
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(params.additionalProperty);
        const keyPath = childPath(path, key);
        const props = Object.keys(((e.parentSchema as { properties?: object }).properties ?? {}) as object);
        let message: string;
        if (path === '' && props.length === 1 && props[0] === 'images') {
          message = `unknown top-level field "${key}" next to images:; with an images: map, put image fields inside each image`;
        } else {
          const where =
            path === '' || /^images\.[^.]+$|^images\[[^\]]+\]$/.test(path) ? 'field' : `field of ${name}`;
          message = `unknown ${where} "${key}"${didYouMean(key, props) || '; see docs/spec.md for the fields'}`;
        }
        push(nodePos(keyPath, true), keyPath, message);
        break;
      }
      case 'type': {
        const expected = (Array.isArray(params.type) ? params.type : [params.type]).filter(
          (t) => t !== 'null',
        );
        const noun = expected.map((t) => NOUN[String(t)] ?? String(t)).join(' or ');
        let fix = typingFix(value, node?.text, node?.plain);
        if (expected[0] === 'array' && typeof value === 'string') {
          fix = `write it as a list: [${excerpt(value)}]`;
        }
        push(nodePos(path), path, `${name} must be ${noun}${fix ? `; ${fix}` : ''}`);
        break;
      }
      case 'enum': {
        const allowed = (params.allowedValues as unknown[]).filter((v) => v !== null).map(String);
        const lower = [...new Set(allowed.map((v) => v.toLowerCase()))];
        const got = typeof value === 'string' ? excerpt(value) : excerpt(displayValue(value ?? null));
        const suggestion = typeof value === 'string' ? didYouMean(value, lower) : '';
        push(nodePos(path), path, `${name} must be one of ${lower.join(', ')}; got ${got}${suggestion}`);
        break;
      }
      case 'required': {
        const missing = String(params.missingProperty);
        push(nodePos(path), path, `${name} ${isRefined(e) && hint ? hint : `needs ${missing}`}`);
        break;
      }
      case 'dependentRequired': {
        const prop = String(params.property);
        const keyPath = childPath(path, prop);
        push(
          nodePos(keyPath, true),
          keyPath,
          `${prop} only applies to a Dockerfile build; add dockerfile: PATH or remove ${prop}`,
        );
        break;
      }
      case 'false schema': {
        const field = path.replace(/^.*[.[]/, '').replace(/["\]]/g, '');
        push(
          nodePos(path, true),
          path,
          `${field} cannot be combined with dockerfile (the Dockerfile defines the image contents); move it into the Dockerfile, or into a second image whose base_image is this one`,
        );
        break;
      }
      case 'minProperties':
        push(nodePos(path), path, `${name} must name at least one image, e.g. "images: {app: {name: app}}"`);
        break;
      case 'minLength':
        push(nodePos(path), path, `${name} must not be empty`);
        break;
      case 'pattern':
        push(
          nodePos(path),
          path,
          `${name} ${hint ?? `must match ${String(params.pattern)}`}; got ${typeof value === 'string' ? excerpt(value) : excerpt(displayValue(value ?? null))}`,
        );
        break;
      default:
        push(nodePos(path), path, `${name} ${hint ?? e.message ?? 'is invalid'}`);
    }
  }
  return out;
}
