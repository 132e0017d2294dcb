/**
 * Which local files go into a rendered build context. The same walk and the same ignore rules as the
 * tag's tree digest (src/hash: `.gitignore` via git, `.dockerignore`, flytekit's standard patterns), so
 * the files in the image are exactly the files the tag was computed from. Reads only; the build module
 * writes the context.
 */
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
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

/** A symlink whose target is outside the repository root. */
export interface EscapingLink {
  /** The link itself (absolute). */
  link: string;
  /** What it points to, as written in the link. */
  target: string;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The symlink through which `file` (a path under `base`) resolves outside `root`, if it does: the first
 * link on the way from `base` down to the file whose own target leaves the root, else the file itself.
 * The tag digest follows such links as flytekit does; the image must not receive their targets.
 */
export async function escapingLink(
  file: string,
  base: string,
  root: string,
): Promise<EscapingLink | undefined> {
  const realRoot = await realpath(root);
  if (isInside(realRoot, await realpath(file))) return undefined;
  const parts = path.relative(base, file).split(path.sep);
  for (let i = 1; i <= parts.length; i++) {
    const p = path.join(base, ...parts.slice(0, i));
    if (!(await lstat(p)).isSymbolicLink()) continue;
    if (!isInside(realRoot, await realpath(p))) return { link: p, target: await readlink(p) };
  }
  // `base` itself is a link out of the root (a source_root or copy entry given through a linked directory).
  return { link: base, target: await realpath(base) };
}
