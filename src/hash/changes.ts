/**
 * What differs between two explain records (record.ts), field by field: the answer to "why was this image
 * rebuilt?" for the job summary, the log, the action's `changes` output and `imagespec explain --against`.
 */
import { mdCode, mdText } from '../util/markdown.js';
import { FILES_LIMIT, type ExplainRecord, type RecordField } from './record.js';

/** One changed field, as the `changes` output and `explain --against --json` carry it. */
export interface FieldChange {
  field: string;
  /** The value before (list and mapping fields: their items; files: the digest); null when unset. */
  before: string | string[] | null;
  after: string | string[] | null;
}

/** A change with its one-line description for people (`packages: + torch==2.5.1, − torch==2.5.0`). */
export interface DescribedChange extends FieldChange {
  text: string;
}

/** Items shown per side of a list change before the rest is counted. */
const SHOWN_ITEMS = 10;

/** A Python str repr without escapes, as plain text; anything else as written. */
function plain(value: string): string {
  const m = /^(['"])([^\\]*)\1$/.exec(value);
  return m ? m[2]! : value;
}

function jsonValue(f: RecordField | undefined): string | string[] | null {
  if (!f) return null;
  if (f.items) return f.items;
  return plain(f.value);
}

/** Items of `a` not in `b`, counting repeats. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

function shown(sign: string, items: string[]): string[] {
  const head = items.slice(0, SHOWN_ITEMS).map((i) => `${sign} ${i}`);
  if (items.length > SHOWN_ITEMS) head.push(`${sign} … ${items.length - SHOWN_ITEMS} more`);
  return head;
}

function listText(before: readonly string[], after: readonly string[]): string {
  const added = minus(after, before);
  const removed = minus(before, after);
  if (added.length === 0 && removed.length === 0) return 'same items, new order';
  return [...shown('+', added), ...shown('−', removed)].join(', ');
}

function repoAndTag(ref: string): { repo: string; tag: string } | undefined {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = noDigest.lastIndexOf(':');
  if (colon <= noDigest.lastIndexOf('/')) return undefined;
  return { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
}

function describe(field: string, b: RecordField | undefined, a: RecordField | undefined): string {
  if (!b) return `${field}: set to ${a!.items ? a!.items.join(', ') : plain(a!.value)}`;
  if (!a) return `${field}: removed (was ${b.items ? b.items.join(', ') : plain(b.value)})`;
  if (a.kind === 'digest' || b.kind === 'digest') return `${field}: ${filesText(field, b, a)}`;
  if (a.items && b.items) return `${field}: ${listText(b.items, a.items)}`;
  if (field === 'base_image') {
    const pb = repoAndTag(plain(b.value));
    const pa = repoAndTag(plain(a.value));
    if (pb && pa && pb.repo === pa.repo) return `${field}: tag changed (${pb.tag} → ${pa.tag})`;
  }
  return `${field}: ${plain(b.value)} → ${plain(a.value)}`;
}

/** Fields whose digest stands for many files: a change is told file by file when both records can. */
const TREE_FIELDS = new Set(['copy', 'source_root', 'build_context']);

/** What changed in a file input: which files, when both records list them with their digests. */
function filesText(field: string, b: RecordField, a: RecordField): string {
  const complete = (f: RecordField): f is RecordField & { files: string[] } =>
    f.files !== undefined && f.files.length < FILES_LIMIT;
  if (!complete(a) || !complete(b)) return 'content changed';
  const added = minus(a.files, b.files);
  const removed = minus(b.files, a.files);
  const parts: string[] = [];
  if (TREE_FIELDS.has(field) && a.sums && b.sums) {
    const before = new Map(b.files.map((f, i) => [f, b.sums![i]]));
    const changed = a.files.filter((f, i) => before.has(f) && before.get(f) !== a.sums![i]);
    if (changed.length > 0) {
      const names = changed.slice(0, SHOWN_ITEMS).join(', ') + (changed.length > SHOWN_ITEMS ? ', …' : '');
      parts.push(`${changed.length} file${changed.length === 1 ? '' : 's'} changed (${names})`);
    }
  }
  parts.push(...shown('+', added), ...shown('−', removed));
  return parts.length > 0 ? parts.join(', ') : 'content changed';
}

/** The fields whose hashed value differs, in the new record's order, then the fields no longer set. */
export function diffRecords(before: ExplainRecord, after: ExplainRecord): DescribedChange[] {
  const old = new Map(before.fields.map((f) => [f.field, f]));
  const now = new Map(after.fields.map((f) => [f.field, f]));
  const out: DescribedChange[] = [];
  const add = (field: string, b: RecordField | undefined, a: RecordField | undefined): void => {
    out.push({ field, before: jsonValue(b), after: jsonValue(a), text: describe(field, b, a) });
  };
  for (const a of after.fields) {
    const b = old.get(a.field);
    if (b && b.value === a.value) continue;
    add(a.field, b, a);
  }
  for (const b of before.fields) if (!now.has(b.field)) add(b.field, b, undefined);
  return out;
}

/** The changes as the `changes` output and `--json` carry them: `[{field, before, after}]`. */
export function changesJson(changes: readonly FieldChange[]): string {
  return JSON.stringify(changes.map(({ field, before, after }) => ({ field, before, after })));
}

/** Plain text, one line per change (for the log and `explain --against`). */
export function changesText(changes: readonly DescribedChange[]): string[] {
  return changes.map((c) => c.text);
}

/** Markdown list for the job summary. */
export function changesMarkdown(changes: readonly DescribedChange[]): string[] {
  return changes.map((c) => {
    const colon = c.text.indexOf(': ');
    if (colon < 0) return `- ${mdText(c.text)}`;
    return `- ${mdCode(c.text.slice(0, colon))}: ${mdText(c.text.slice(colon + 2))}`;
  });
}
