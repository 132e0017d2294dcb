/**
 * Feeds many files into one hash in a fixed order while reading ahead in parallel.
 *
 * Tree digests need every byte in a deterministic order through a single hash (flytekit's MD5 is one
 * stream over all files), so hashing stays sequential; reading does not. Files up to `SMALL_FILE` bytes are
 * read whole, up to `concurrency` of them ahead of the one being hashed; larger files are streamed in
 * chunks when their turn comes. Memory is bounded by `concurrency × SMALL_FILE` plus one chunk, whatever
 * the size of the tree.
 */
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';

export const SMALL_FILE = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 16;

/** One file in the sequence, with bytes hashed before and after its content. */
export interface StreamEntry {
  abs: string;
  /** Size seen when listing; a file that changed size while hashing is an error. */
  size: number;
  before?: Uint8Array;
  after?: Uint8Array;
}

type Prefetch = Promise<{ data?: Buffer; error?: unknown }>;

function prefetch(e: StreamEntry): Prefetch {
  if (e.size > SMALL_FILE) return Promise.resolve({});
  return readFile(e.abs).then(
    (data) => ({ data }),
    (error: unknown) => ({ error }),
  );
}

function readError(file: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new UserError(
    `cannot read ${file}${code ? ` (${code})` : ''}: make it readable or exclude it from the image inputs`,
  );
}

async function streamInto(hash: Hash, file: string): Promise<number> {
  let n = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: SMALL_FILE })) {
      hash.update(chunk as Buffer);
      n += (chunk as Buffer).length;
    }
  } catch (err) {
    throw readError(file, err);
  }
  return n;
}

/** Hashes `entries` into `hash` in order: for each, `before`, the file's bytes, then `after`. */
export async function hashFilesInOrder(
  hash: Hash,
  entries: readonly StreamEntry[],
  concurrency = DEFAULT_CONCURRENCY,
): Promise<void> {
  const window: Prefetch[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < entries.length && window.length < concurrency) window.push(prefetch(entries[next++]!));
  };
  fill();
  for (const e of entries) {
    const got = await window.shift()!;
    fill();
    if (got.error !== undefined) throw readError(e.abs, got.error);
    if (e.before) hash.update(e.before);
    let n: number;
    if (got.data) {
      hash.update(got.data);
      n = got.data.length;
    } else {
      n = await streamInto(hash, e.abs);
    }
    if (n !== e.size)
      throw new UserError(`${e.abs} changed while it was being hashed; run again once it is stable`);
    if (e.after) hash.update(e.after);
  }
}
