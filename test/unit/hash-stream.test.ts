/**
 * The file hashing under every tree digest: bytes in exactly the listed order (before, content, after) across
 * read-chunk boundaries, clear errors for files that changed or cannot be read, and the code point order
 * that flytekit's sorted walks use.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { breathe, CHUNK, hashFilesInOrder, SLICE_MS, type StreamEntry } from '../../src/hash/stream.js';
import { compareCodePoints } from '../../src/hash/walk.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-hash-stream-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const md5 = (...parts: Array<Buffer | string>): string => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('hashFilesInOrder', () => {
  it('hashes before, the bytes and after of each file in order, across read-chunk boundaries', async () => {
    const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5];
    const contents = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    const entries: StreamEntry[] = [];
    const expected: Array<Buffer | string> = [];
    for (const [i, data] of contents.entries()) {
      const abs = path.join(dir, `f${i}`);
      await writeFile(abs, data);
      const before = i % 2 ? `before${i}é` : Buffer.from(`b${i}`);
      entries.push({ abs, size: data.length, before, after: `a${i}` });
      expected.push(before, data, `a${i}`);
    }
    const hash = createHash('md5');
    await hashFilesInOrder(hash, entries);
    expect(hash.digest('hex')).toBe(md5(...expected));
  });

  it.each([
    ['grew', 3],
    ['shrank', 100],
  ])('fails with a clear message when a file %s since it was listed', async (name, listed) => {
    const abs = path.join(dir, name);
    await writeFile(abs, 'eighteen bytes ...');
    const err = await hashFilesInOrder(createHash('md5'), [{ abs, size: listed }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `${abs} changed while it was being hashed; run again once it is stable`,
    );
  });

  it('fails with the file and the error code when a file cannot be read', async () => {
    const abs = path.join(dir, 'gone');
    const err = await hashFilesInOrder(createHash('md5'), [{ abs, size: 1 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `cannot read ${abs} (ENOENT): make it readable or exclude it from the image inputs`,
    );
  });

  it('hashes files larger than many chunks exactly', async () => {
    const abs = path.join(dir, 'large');
    const data = Buffer.alloc(8 * CHUNK + 3);
    for (let i = 0; i < data.length; i += 4096) data[i] = i % 251;
    await writeFile(abs, data);
    const hash = createHash('sha256');
    await hashFilesInOrder(hash, [{ abs, size: data.length, after: 'x' }]);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).update('x').digest('hex'));
  });
});

describe('breathe', () => {
  it('gives the event loop a turn once a slice of synchronous work is used up, and not before', async () => {
    await breathe(); // start a fresh slice (returns undefined when the current one is young)
    await new Promise((resolve) => setImmediate(resolve));
    const spin = performance.now();
    while (performance.now() - spin < SLICE_MS + 5) {
      // synchronous work longer than a slice
    }
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    const turn = breathe();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(ranBetween).toBe(true);
    expect(breathe()).toBeUndefined();
  });
});

describe('compareCodePoints', () => {
  const codePoint = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7f }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
    fc.integer({ min: 0x80, max: 0xd7ff }),
  );
  const name = fc.array(codePoint, { maxLength: 6 }).map((cps) => String.fromCodePoint(...cps));

  it('orders as the UTF-8 bytes do (Python sorts str by code point)', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect(compareCodePoints(a, b)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('puts a code point above U+FFFF after U+FFFD, unlike UTF-16 order', () => {
    expect(compareCodePoints('\u{1F600}', '\uFFFD')).toBe(1);
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(['b', '\u{1F600}', '\uE000', 'a'].sort(compareCodePoints)).toEqual([
      'a',
      'b',
      '\uE000',
      '\u{1F600}',
    ]);
  });
});
