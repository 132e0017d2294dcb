/**
 * Feeds many files into one hash in a fixed order, as fast as `md5sum` reads and hashes the same files.
 *
 * Tree digests need every byte in a deterministic order through a single hash (flytekit's MD5 is one stream
 * over all files). Each file is read with synchronous calls (open, read into one reused buffer until the end,
 * close), in time slices that give the event loop a turn every SLICE_MS. For files in the page cache (a CI
 * checkout has just written them) a read costs a few microseconds, less than the round trip of an
 * asynchronous one: with the promises API each of open, stat, read and close goes through libuv's thread
 * pool and back, which cost more than hashing itself on trees of small files. Done in line, hashing runs at
 * the speed of the hash function, like `md5sum`; `npm run bench` measures it against `md5sum` over the same
 * files. Memory is one buffer per digest in progress, whatever the size of the tree or of its files.
 */
import type { Hash } from 'node:crypto';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { UserError } from '../errors.js';

/** Bytes read per call. */
export const CHUNK = 1024 * 1024;
/** The longest the event loop waits while files are hashed. */
export const SLICE_MS = 20;

/** One file in the sequence, with bytes hashed before and after its content (strings as UTF-8). */
export interface StreamEntry {
  abs: string;
  /** Size seen when listing; a file that changed size while hashing is an error. */
  size: number;
  before?: Uint8Array | string;
  after?: Uint8Array | string;
}

let sliceStart = performance.now();

/**
 * A turn for the event loop once SLICE_MS of synchronous file work have passed, else undefined (so callers
 * pay no promise per file): `const turn = breathe(); if (turn) await turn;`.
 */
export function breathe(): Promise<void> | undefined {
  if (performance.now() - sliceStart < SLICE_MS) return undefined;
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      sliceStart = performance.now();
      resolve();
    }),
  );
}

export function readError(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new UserError(
    `cannot read ${file}${code ? ` (${code})` : ''}: make it readable or exclude it from the image inputs`,
  );
}

// O_NONBLOCK: a file replaced by a FIFO after the listing cannot block the run (its reads return at once).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Hashes one file's bytes through `buf`; returns how many there were. A read shorter than the buffer that
 * completes the listed size is taken as the end of the file (no extra read for the end): a file that grew
 * gives a longer read or a total past the listed size, and is read on to its end.
 */
async function hashFile(hash: Hash, file: string, size: number, buf: Buffer): Promise<number> {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw readError(file, err);
  }
  let total = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw readError(file, err);
      }
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (n < buf.length && total === size) break;
      // A large file must not hold the event loop for longer than a slice either.
      const turn = n === buf.length ? breathe() : undefined;
      if (turn) await turn;
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

const update = (hash: Hash, bytes: Uint8Array | string): Hash =>
  typeof bytes === 'string' ? hash.update(bytes, 'utf8') : hash.update(bytes);

/**
 * Hashes `entries` into `hash` in order: for each, `before`, the file's bytes, then `after`. Entries are
 * taken one at a time, so a generator keeps only the current one in memory.
 */
export async function hashFilesInOrder(hash: Hash, entries: Iterable<StreamEntry>): Promise<void> {
  const buf = Buffer.allocUnsafe(CHUNK);
  for (const e of entries) {
    if (e.before !== undefined) update(hash, e.before);
    const n = await hashFile(hash, e.abs, e.size, buf);
    if (n !== e.size)
      throw new UserError(`${e.abs} changed while it was being hashed; run again once it is stable`);
    if (e.after !== undefined) update(hash, e.after);
    const turn = breathe();
    if (turn) await turn;
  }
}
