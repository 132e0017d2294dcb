/**
 * File and tree digests that stand in for paths in an image's hash.
 *
 * `flyte*` functions reproduce flytekit byte for byte (`ImageSpec.tag`, `script_mode.ls_files`,
 * `fast_registration.compute_digest`). `generic*` functions are this product's own: SHA-256, a fixed
 * order independent of the file system, and each file framed by its path and size so that no two
 * different trees can feed the hash the same bytes.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import balenaDockerignore from '@balena/dockerignore';
import { UserError } from '../errors.js';
import { LIMITS, readLimited } from '../spec/limits.js';
import { FlytekitIgnoreGroup } from './flytekit-ignore.js';
import { breathe, hashFilesInOrder, type StreamEntry } from './stream.js';
import { compareCodePoints, walkFiles, type SkippedEntry, type WalkedFile } from './walk.js';

/** A digest and the files behind it (paths relative to the spec directory), in hashing order. */
export interface Digest {
  value: string;
  files: string[];
  /** Files seen but left out, with the reason. */
  skipped: SkippedEntry[];
}

// The package is CommonJS (`module.exports = factory`) with an ES-style `export default` in its typings.
const dockerignore = balenaDockerignore as unknown as typeof balenaDockerignore.default;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function missing(what: string, file: string, fix: string): UserError {
  return new UserError(`${what} ${file} does not exist: ${fix}`);
}

/** Python's `bytes.strip()`: ASCII whitespace only. */
function stripAsciiWhitespace(b: Buffer): Buffer {
  const ws = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  let s = 0;
  let e = b.length;
  while (s < e && ws(b[s]!)) s++;
  while (e > s && ws(b[e - 1]!)) e--;
  return b.subarray(s, e);
}

/** flytekit's `requirements` value: SHA-1 hex of the file's bytes with surrounding ASCII whitespace stripped. */
export async function requirementsDigest(abs: string, shown: string): Promise<Digest> {
  const bytes = await readLimited(abs, LIMITS.requirementsBytes, 'requirements file').catch(
    (err: unknown) => {
      if (err instanceof UserError) throw err;
      throw missing(
        'requirements file',
        shown,
        'fix the path (relative paths start at the spec file directory)',
      );
    },
  );
  return {
    value: createHash('sha1').update(stripAsciiWhitespace(bytes)).digest('hex'),
    files: [shown],
    skipped: [],
  };
}

/** flytekit's order of bytes per file: its content, then its relative path without separators. */
function* flyteEntries(files: readonly WalkedFile[]): Generator<StreamEntry> {
  for (const f of files) yield { abs: f.abs, size: f.size, after: f.rel.replaceAll('/', '') };
}

/**
 * flytekit's `ls_files(source_root, ALL)` digest: MD5 over every file not ignored, sorted by path, each
 * its bytes then its relative path with the separators removed. `.git` directories are never entered.
 */
export async function flyteSourceRootDigest(
  rootAbs: string,
  rootAsWritten: string,
  shownRoot: string,
): Promise<Digest> {
  const { kept, skipped } = await sourceRootFiles(rootAbs, rootAsWritten, shownRoot);
  const hash = createHash('md5');
  await hashFilesInOrder(hash, flyteEntries(kept));
  return sourceRootDigest(hash, kept, skipped, shownRoot);
}

/**
 * The files of a `source_root` that flytekit takes (not ignored by its ignore rules, `.git` never entered),
 * sorted by path, and the ones left out with the reason. `ignoreBase` is the root as flytekit's ignore
 * rules see it.
 */
async function sourceRootFiles(
  rootAbs: string,
  ignoreBase: string,
  shownRoot: string,
): Promise<{ kept: WalkedFile[]; skipped: SkippedEntry[] }> {
  await assertDir(rootAbs, 'source_root', shownRoot);
  const ignore = await FlytekitIgnoreGroup.create(rootAbs, ignoreBase);
  const walked = await walkFiles(rootAbs, { dirOrder: 'sorted', excludeDirs: new Set(['.git']) });
  const kept: WalkedFile[] = [];
  const skipped = [...walked.skipped];
  for (const f of walked.files) {
    const why = ignore.verdict(f.rel);
    if (why) skipped.push({ rel: f.rel, reason: `ignored (${why})` });
    else kept.push(f);
  }
  kept.sort((a, b) => compareCodePoints(a.rel, b.rel));
  return { kept, skipped };
}

/** A `source_root` digest from its finished hash, with files and skipped entries shown under the root. */
function sourceRootDigest(
  hash: ReturnType<typeof createHash>,
  kept: readonly WalkedFile[],
  skipped: readonly SkippedEntry[],
  shownRoot: string,
): Digest {
  return {
    value: hash.digest('hex'),
    files: kept.map((f) => joinShown(shownRoot, f.rel)),
    skipped: prefixed(shownRoot, skipped),
  };
}

/** One `copy` entry: the text as written and the absolute path it names. */
export interface CopyEntry {
  written: string;
  abs: string;
}

/**
 * flytekit's `compute_digest(copy)`: one MD5 over the entries in order. A file contributes its bytes then
 * its basename; a directory contributes each file (directories in file-system order, as `os.walk` lists
 * them; files sorted within a directory) its bytes then its path relative to that directory with the
 * separators removed. Entries that do not exist contribute nothing, as in flytekit.
 */
export async function flyteCopyDigest(
  entries: readonly CopyEntry[],
  shown: (abs: string) => string,
): Promise<Digest> {
  const hash = createHash('md5');
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of entries) {
    const st = await stat(entry.abs).catch(() => undefined);
    if (st?.isDirectory()) {
      const walked = await walkFiles(entry.abs, { dirOrder: 'readdir' });
      await hashFilesInOrder(hash, flyteEntries(walked.files));
      files.push(...walked.files.map((f) => shown(f.abs)));
      skipped.push(...prefixed(shown(entry.abs), walked.skipped));
    } else if (st?.isFile()) {
      const base = entry.written.slice(entry.written.lastIndexOf('/') + 1);
      await hashFilesInOrder(hash, [{ abs: entry.abs, size: st.size, after: base }]);
      files.push(shown(entry.abs));
    } else {
      skipped.push({ rel: entry.written, reason: st ? 'not a regular file' : 'does not exist' });
    }
  }
  return { value: hash.digest('hex'), files, skipped };
}

/**
 * Frames a file for generic digests: kind, path and size before the bytes, so the stream is unambiguous.
 * A string, hashed as UTF-8 (as `hash.update` does with strings).
 */
function frame(kind: string, rel: string, size: number | string): string {
  return `${kind}\0${rel}\0${size}\0`;
}

async function genericDigestOf(
  hash: ReturnType<typeof createHash>,
  files: readonly WalkedFile[],
): Promise<void> {
  function* entries(): Generator<StreamEntry> {
    for (const f of files) yield { abs: f.abs, size: f.size, before: frame('f', f.rel, f.size) };
  }
  await hashFilesInOrder(hash, entries());
}

/** Generic `source_root` digest: the same files flytekit would take (its ignore rules), sorted, framed, SHA-256. */
export async function genericSourceRootDigest(rootAbs: string, shownRoot: string): Promise<Digest> {
  const { kept, skipped } = await sourceRootFiles(rootAbs, rootAbs, shownRoot);
  const hash = createHash('sha256');
  await genericDigestOf(hash, kept);
  return sourceRootDigest(hash, kept, skipped, shownRoot);
}

/** Generic `copy` digest: each entry as written, then its files (sorted, framed), SHA-256. */
export async function genericCopyDigest(
  entries: readonly CopyEntry[],
  shown: (abs: string) => string,
): Promise<Digest> {
  const hash = createHash('sha256');
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  for (const entry of entries) {
    const st = await stat(entry.abs).catch(() => undefined);
    hash.update(frame('entry', entry.written, st?.isDirectory() ? 'dir' : st?.isFile() ? 'file' : 'missing'));
    if (st?.isDirectory()) {
      const walked = await walkFiles(entry.abs, { dirOrder: 'sorted' });
      await genericDigestOf(hash, walked.files);
      files.push(...walked.files.map((f) => shown(f.abs)));
      skipped.push(...prefixed(shown(entry.abs), walked.skipped));
    } else if (st?.isFile()) {
      await genericDigestOf(hash, [{ abs: entry.abs, rel: path.basename(entry.abs), size: st.size }]);
      files.push(shown(entry.abs));
    } else {
      skipped.push({ rel: entry.written, reason: st ? 'not a regular file' : 'does not exist' });
    }
  }
  return { value: hash.digest('hex'), files, skipped };
}

/** SHA-256 of one file's bytes (a custom Dockerfile). */
export async function fileDigest(abs: string, what: string, shown: string): Promise<Digest> {
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isFile())
    throw missing(what, shown, 'fix the path (relative paths start at the spec file directory)');
  const hash = createHash('sha256');
  await hashFilesInOrder(hash, [{ abs, size: st.size }]);
  return { value: hash.digest('hex'), files: [shown], skipped: [] };
}

/**
 * Digest of a Dockerfile build context as a build sends it: every path not excluded by the context's
 * ignore file (the spec's `dockerignore`, else `<Dockerfile>.dockerignore` beside the Dockerfile, which
 * BuildKit prefers, else `<context>/.dockerignore`), matched
 * with `@balena/dockerignore`, a port of Docker's own matcher (`moby/patternmatcher`): Go `filepath.Match`
 * globs, `**`, `!` exceptions, and a pattern that matches a directory excluding everything below it.
 * Symlinks are sent as links, so their target text is hashed, not what they point at; empty directories
 * are part of the context and are hashed too. The ignore file's own text is hashed as well.
 */
export async function contextDigest(
  contextAbs: string,
  dockerfileAbs: string | undefined,
  dockerignoreAbs: string | undefined,
  shown: (abs: string) => string,
): Promise<Digest> {
  await assertDir(contextAbs, 'build_context', shown(contextAbs));
  const candidates = [
    ...(dockerignoreAbs ? [dockerignoreAbs] : []),
    ...(dockerfileAbs ? [`${dockerfileAbs}.dockerignore`] : []),
    path.join(contextAbs, '.dockerignore'),
  ];
  let ignoreFile: string | undefined;
  let ignoreText = '';
  for (const c of candidates) {
    const text = await readLimited(c, LIMITS.ignoreBytes, 'ignore file').then(
      (b) => b.toString('utf8'),
      (err: unknown) => {
        if (err instanceof UserError) throw err;
        return undefined;
      },
    );
    if (text !== undefined) {
      ignoreFile = c;
      ignoreText = text;
      break;
    }
    if (c === dockerignoreAbs)
      throw missing('dockerignore file', shown(c), 'fix the path or remove the dockerignore field');
  }
  const ig = dockerignore().add(ignoreText.split(/\r?\n/));
  const hash = createHash('sha256');
  hash.update(frame('ignore', ignoreFile ? shown(ignoreFile) : '', ignoreText.length));
  hash.update(utf8(ignoreText));
  const files: string[] = [];
  const skipped: SkippedEntry[] = [];
  const pendingFiles: WalkedFile[] = [];
  const flush = async (): Promise<void> => {
    await genericDigestOf(hash, pendingFiles);
    pendingFiles.length = 0;
  };
  // Listing is synchronous with turns for the event loop between directories (see walk.ts and stream.ts).
  const visit = async (dirAbs: string, relDir: string): Promise<void> => {
    const turn = breathe();
    if (turn) await turn;
    const names = readdirSync(dirAbs).sort(compareCodePoints);
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = path.join(dirAbs, name);
      const st = lstatSync(abs);
      if (ig.ignores(rel)) {
        // A directory may still hold re-included paths (`!` patterns); Docker walks into it.
        if (st.isDirectory()) await visit(abs, rel);
        else skipped.push({ rel: shown(abs), reason: 'ignored (.dockerignore)' });
        continue;
      }
      if (st.isSymbolicLink()) {
        await flush();
        hash.update(frame('l', rel, readlinkSync(abs)));
        files.push(shown(abs));
      } else if (st.isDirectory()) {
        await flush();
        hash.update(frame('d', rel, 0));
        await visit(abs, rel);
      } else if (st.isFile()) {
        pendingFiles.push({ abs, rel, size: st.size });
        files.push(shown(abs));
      } else skipped.push({ rel: shown(abs), reason: 'not a regular file' });
    }
  };
  await visit(contextAbs, '');
  await flush();
  return { value: hash.digest('hex'), files, skipped };
}

async function assertDir(abs: string, field: string, shown: string): Promise<void> {
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new UserError(
      `${field} ${shown} is not a directory: fix the path (relative paths start at the spec file directory)`,
    );
  }
}

function joinShown(root: string, rel: string): string {
  return root === '.' || root === '' ? rel : `${root.replace(/\/+$/, '')}/${rel}`;
}

function prefixed(root: string, skipped: readonly SkippedEntry[]): SkippedEntry[] {
  return skipped.map((s) => ({ rel: joinShown(root, s.rel), reason: s.reason }));
}
