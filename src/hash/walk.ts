/**
 * Directory listing for tree digests, shaped like Python's `os.walk(top, topdown=True, followlinks=False)`
 * because flytekit's digests are defined by it: directories are entered in pre-order, a symlink to a
 * directory is listed but not entered, and files are everything else (symlinks to files are followed
 * when read). Node's `fs.readdir` sorts names, so `readdir` order is read through `fs.opendir`, which
 * returns entries in the file system's own order as Python's `os.scandir` does.
 */
import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

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

/** Compares strings by Unicode code point, as Python sorts `str` (JavaScript's default compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

interface Listed {
  name: string;
  isDir: boolean;
  isSymlink: boolean;
}

async function listDir(dir: string, order: WalkOptions['dirOrder']): Promise<Listed[] | undefined> {
  let handle;
  try {
    handle = await opendir(dir);
  } catch {
    return undefined; // os.walk ignores directories it cannot list
  }
  const out: Listed[] = [];
  for await (const d of handle) {
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      isDir = await stat(path.join(dir, d.name)).then(
        (s) => s.isDirectory(),
        () => false,
      );
    }
    out.push({ name: d.name, isDir, isSymlink: d.isSymbolicLink() });
  }
  if (order === 'sorted') out.sort((a, b) => compareCodePoints(a.name, b.name));
  return out;
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
  const visit = async (dir: string, relDir: string): Promise<void> => {
    const entries = await listDir(dir, opts.dirOrder);
    if (!entries) return;
    const names = entries.filter((e) => !e.isDir).map((e) => e.name);
    names.sort(compareCodePoints);
    const stats = await Promise.all(names.map((name) => stat(path.join(dir, name)).catch(() => undefined)));
    for (const [i, name] of names.entries()) {
      const abs = path.join(dir, name);
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = stats[i];
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
      await visit(path.join(dir, e.name), rel);
    }
  };
  await visit(top, '');
  return { files, skipped };
}
