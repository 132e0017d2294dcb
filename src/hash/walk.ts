/**
 * Directory listing for tree digests, shaped like Python's `os.walk(top, topdown=True, followlinks=False)`
 * because flytekit's digests are defined by it: directories are entered in pre-order, a symlink to a
 * directory is listed but not entered, and files are everything else (symlinks to files are followed
 * when read). Node's `fs.readdir` sorts names, so `readdir` order is read through `fs.opendir`, which
 * returns entries in the file system's own order as Python's `os.scandir` does.
 *
 * Listing and stat calls are synchronous, with a turn for the event loop between directories once a time
 * slice is used up (see stream.ts): a tree of tens of thousands of files is listed in a fraction of the time
 * a promise per call takes.
 */
import { opendirSync, statSync, type Dir, type Stats } from 'node:fs';
import path from 'node:path';
import { breathe } from './stream.js';

/** A regular file found by a walk. */
export interface WalkedFile {
  /** Absolute path. */
  abs: string;
  /** Path relative to the walk's top, `/`-separated. */
  rel: string;
  size: number;
}

/** Anything else a walk saw, reported so `explain` can say what was left out and why. */
export interface SkippedEntry {
  rel: string;
  reason: string;
}

export interface WalkOptions {
  /** `readdir`: directories in file-system order (what flytekit's `os.walk` sees); `sorted`: by name. */
  dirOrder: 'readdir' | 'sorted';
  /** Directory names never entered, at any depth (flytekit skips `.git`). */
  excludeDirs?: ReadonlySet<string>;
}

/**
 * Compares strings by Unicode code point, as Python sorts `str` (JavaScript's default compares UTF-16 units).
 * UTF-16 order differs from code point order only where a surrogate (part of a code point above U+FFFF)
 * meets a unit from U+E000 up; everywhere else the units compare as the code points do. No allocation: a
 * sort of tens of thousands of paths calls this hundreds of thousands of times.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x <= 0xdfff;
      const ys = y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

interface Listed {
  name: string;
  isDir: boolean;
  isSymlink: boolean;
}

function listDir(dir: string, order: WalkOptions['dirOrder']): Listed[] | undefined {
  let handle: Dir;
  try {
    handle = opendirSync(dir);
  } catch {
    return undefined; // os.walk ignores directories it cannot list
  }
  const out: Listed[] = [];
  try {
    for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) isDir = statOrUndefined(path.join(dir, d.name))?.isDirectory() ?? false;
      out.push({ name: d.name, isDir, isSymlink: d.isSymbolicLink() });
    }
  } finally {
    handle.closeSync();
  }
  if (order === 'sorted') out.sort((a, b) => compareCodePoints(a.name, b.name));
  return out;
}

function statOrUndefined(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Every file under `top` in walk order: directories pre-order (in `dirOrder`), files sorted by name within
 * each directory. Files that no longer exist (dangling symlinks), sockets, FIFOs and devices are skipped
 * (flytekit skips the first two; reading a FIFO or device would block or never end).
 */
export async function walkFiles(
  top: string,
  opts: WalkOptions,
): Promise<{ files: WalkedFile[]; skipped: SkippedEntry[] }> {
  const files: WalkedFile[] = [];
  const skipped: SkippedEntry[] = [];
  // Paths are `root/rel`, and `rel` is a slice of `abs` (V8 shares the characters): the list of a large tree
  // is most of what hashing keeps in memory.
  const root = path.normalize(top).replace(/\/+$/, '');
  const cut = root.length + 1;
  const visit = async (dir: string, relDir: string): Promise<void> => {
    const turn = breathe();
    if (turn) await turn;
    const entries = listDir(dir, opts.dirOrder);
    if (!entries) return;
    const names = entries.filter((e) => !e.isDir).map((e) => e.name);
    names.sort(compareCodePoints);
    for (const name of names) {
      const abs = `${dir}/${name}`;
      const rel = abs.slice(cut);
      const st = statOrUndefined(abs);
      if (!st) skipped.push({ rel, reason: 'does not exist (dangling symlink)' });
      else if (!st.isFile()) skipped.push({ rel, reason: 'not a regular file' });
      else files.push({ abs, rel, size: st.size });
    }
    for (const e of entries) {
      if (!e.isDir || opts.excludeDirs?.has(e.name)) continue;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isSymlink) {
        skipped.push({ rel, reason: 'symlink to a directory (not followed)' });
        continue;
      }
      await visit(`${dir}/${e.name}`, rel);
    }
  };
  await visit(root, '');
  return { files, skipped };
}
