/**
 * Which local files go into a rendered build context. The same walk and the same ignore rules as the
 * tag's tree digest (src/hash: `.gitignore` via git, `.dockerignore`, flytekit's standard patterns), so
 * the files in the image are exactly the files the tag was computed from. Reads only; the build module
 * writes the context.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FlytekitIgnoreGroup } from '../hash/flytekit-ignore.js';
import { walkFiles } from '../hash/walk.js';

/** One entry of the context directory the build module writes. */
export interface ContextFile {
  /** POSIX path inside the build context. */
  path: string;
  /** Absolute path of a local file to copy (its content; symlinks to files are followed). */
  source?: string;
  /** Generated content (a requirements list made by the renderer). */
  content?: string;
}

/**
 * Files under `root` that the ignore rules keep, as POSIX paths relative to `root`, sorted.
 * `rootAsWritten` is the path as the spec wrote it (flytekit matches ignore patterns against that form).
 */
export async function listTree(root: string, rootAsWritten = root): Promise<string[]> {
  const [group, walked] = await Promise.all([
    FlytekitIgnoreGroup.create(root, rootAsWritten),
    walkFiles(root, { dirOrder: 'sorted', excludeDirs: new Set(['.git']) }),
  ]);
  return walked.files
    .map((f) => f.rel)
    .filter((rel) => group.verdict(rel) === undefined)
    .sort(byteOrder);
}

/** Sorts strings by UTF-16 code units (locale-independent, so every machine gives the same order). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The files of a `copy` entry, relative to `base` (the spec directory): a file gives itself, a directory
 * every file under it that its ignore rules keep.
 */
export async function listCopyEntry(entry: string, base: string): Promise<string[]> {
  const rel = toPosix(path.relative(base, entry));
  if (!(await stat(entry)).isDirectory()) return [rel];
  const prefix = rel === '' ? '' : `${rel}/`;
  return (await listTree(entry)).map((f) => `${prefix}${f}`);
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
