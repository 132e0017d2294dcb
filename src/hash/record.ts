/**
 * The explain record: an image's hash inputs in a small JSON document that travels with the image (as a
 * label) and in the GitHub Actions cache, so the next build of the same image can say what changed
 * (see changes.ts and docs/build.md, "Why it was rebuilt").
 *
 * Only inputs that entered the hash are kept (excluded fields such as secrets and `registry_config` never
 * are). Values are the hashed text (Python repr for fields, digests for files), list and mapping fields also
 * item by item. Credentials written into URLs (`https://user:token@host`) are replaced by `***` with a short
 * digest of the whole value, so a changed token still shows as a change. The serialized record is bounded
 * (RECORD_MAX_BYTES): file lists go first, then long values are replaced by their digests.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flavor, PlannedImage, PyValue } from '../spec/types.js';
import { pyRepr } from './pyrepr.js';

/** The image label that carries the record. */
export const RECORD_LABEL = 'io.github.imagespec-action.explain';
export const RECORD_VERSION = 1;
/** Largest serialized record, in bytes (a label value on the build command line). */
export const RECORD_MAX_BYTES = 8192;
/** Files listed per file input before the bound applies. */
export const FILES_LIMIT = 50;
/** A value longer than this is replaced by its digest when the record is too large. */
const LONG_VALUE = 200;

export interface RecordField {
  field: string;
  /** The value as hashed (Python repr of a field, or a digest in quotes for files). */
  value: string;
  /** `digest` when the value stands for file contents (requirements, copy, source_root, Dockerfile, context). */
  kind: 'value' | 'digest';
  /** List items, or `KEY=VALUE` for a mapping, as written. */
  items?: string[];
  /** The files behind a digest, relative to the spec directory (bounded). */
  files?: string[];
  /** SHA-256 (12 hex) of each file's bytes, in `files` order: only when the list is complete. */
  sums?: string[];
}

export interface ExplainRecord {
  v: typeof RECORD_VERSION;
  /** The image's id in its spec file. */
  image: string;
  reference: string;
  flavor: Flavor;
  fields: RecordField[];
  /** Set when file lists or long values were dropped to keep the record small. */
  truncated?: true;
}

const DIGEST_FIELDS = new Set(['requirements', 'copy', 'source_root', 'dockerfile', 'build_context']);

const shortDigest = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** Replaces credentials in URLs (`scheme://user:secret@`) with `***`, adding a digest of the original. */
export function redact(text: string): string {
  const out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@'"]+@/gi, '$1***@');
  return out === text ? text : `${out} (sha256:${shortDigest(text)})`;
}

function itemText(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** The items of a list or mapping value, or undefined for a scalar. */
function itemsOf(v: PyValue | Readonly<Record<string, string>> | undefined): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(itemText);
  if (typeof v === 'object' && 'type' in v) {
    const d = v as PyValue;
    if (typeof d === 'object' && d !== null && !Array.isArray(d) && d.type === 'dict') {
      return d.entries.map(([k, val]) => `${itemText(k)}=${itemText(val)}`);
    }
    return undefined;
  }
  if (typeof v === 'object') return Object.entries(v).map(([k, val]) => `${k}=${String(val)}`);
  return undefined;
}

/** The record of one planned image: every input that entered its hash, in hashing order. */
export function explainRecord(p: PlannedImage): ExplainRecord {
  const fields: RecordField[] = [];
  for (const input of p.inputs) {
    if (input.status === 'excluded') continue;
    const kind = input.status === 'replaced' && DIGEST_FIELDS.has(input.field) ? 'digest' : 'value';
    const field: RecordField = { field: input.field, value: redact(input.value), kind };
    if (kind === 'value' && input.status === 'hashed') {
      const raw =
        input.field === 'build_args'
          ? p.spec.build_args
          : input.field === 'labels'
            ? p.spec.labels
            : p.spec.raw.get(input.field);
      const items = itemsOf(raw);
      if (items) field.items = items.map(redact);
    }
    if (input.files) field.files = input.files.slice(0, FILES_LIMIT);
    fields.push(field);
  }
  return { v: RECORD_VERSION, image: p.spec.id, reference: p.reference, flavor: p.flavor, fields };
}

/**
 * The record of a planned image with each file's own digest added to the file inputs whose list is complete
 * (at most FILES_LIMIT files), so a comparison can say which files changed. Read at build time only.
 */
export async function explainRecordWithSums(p: PlannedImage): Promise<ExplainRecord> {
  const record = explainRecord(p);
  await Promise.all(
    record.fields.map(async (field) => {
      const all = p.inputs.find((i) => i.field === field.field)?.files;
      if (field.kind !== 'digest' || !all || all.length === 0 || all.length > FILES_LIMIT) return;
      try {
        field.sums = await Promise.all(
          all.map(async (f) =>
            createHash('sha256')
              .update(await readFile(path.resolve(p.spec.dir, f)))
              .digest('hex')
              .slice(0, 12),
          ),
        );
      } catch {
        // A file that cannot be read again (a directory entry, a race): the field compares by digest alone.
      }
    }),
  );
  return record;
}

/** The record as JSON, at most RECORD_MAX_BYTES long: file lists, then long values, give way first. */
export function serializeRecord(record: ExplainRecord): string {
  let text = JSON.stringify(record);
  if (Buffer.byteLength(text) <= RECORD_MAX_BYTES) return text;
  const smaller: ExplainRecord = {
    ...record,
    truncated: true,
    fields: record.fields.map(({ files: _files, sums: _sums, ...f }) => f),
  };
  text = JSON.stringify(smaller);
  if (Buffer.byteLength(text) <= RECORD_MAX_BYTES) return text;
  smaller.fields = smaller.fields.map((f) => {
    const long = f.value.length > LONG_VALUE || (f.items ?? []).join('\n').length > LONG_VALUE;
    if (!long) return f;
    return { field: f.field, kind: f.kind, value: `sha256:${shortDigest(f.value)}` };
  });
  text = JSON.stringify(smaller);
  if (Buffer.byteLength(text) <= RECORD_MAX_BYTES) return text;
  // Pathological (thousands of fields): keep the names and digests only.
  smaller.fields = smaller.fields.map((f) => ({
    field: f.field.slice(0, 64),
    kind: f.kind,
    value: `sha256:${shortDigest(f.value)}`,
  }));
  return JSON.stringify(smaller).slice(0, RECORD_MAX_BYTES);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

/** A record read back from a label or the cache; undefined when the text is not a record of this version. */
export function parseRecord(text: string | undefined): ExplainRecord | undefined {
  if (!text) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const r = json as Partial<ExplainRecord>;
  if (r.v !== RECORD_VERSION || !Array.isArray(r.fields)) return undefined;
  const fields: RecordField[] = [];
  for (const f of r.fields as unknown[]) {
    const g = f as Partial<RecordField>;
    if (typeof g?.field !== 'string' || typeof g.value !== 'string') return undefined;
    const field: RecordField = {
      field: g.field,
      value: g.value,
      kind: g.kind === 'digest' ? 'digest' : 'value',
    };
    if (isStringArray(g.items)) field.items = g.items;
    if (isStringArray(g.files)) field.files = g.files;
    if (isStringArray(g.sums) && g.sums.length === field.files?.length) field.sums = g.sums;
    fields.push(field);
  }
  return {
    v: RECORD_VERSION,
    image: typeof r.image === 'string' ? r.image : '',
    reference: typeof r.reference === 'string' ? r.reference : '',
    flavor: r.flavor === 'flyte' ? 'flyte' : 'generic',
    fields,
    ...(r.truncated ? { truncated: true as const } : {}),
  };
}
