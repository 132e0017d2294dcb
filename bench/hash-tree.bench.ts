/**
 * Tree hashing throughput: 20,000 files / 1 GiB generated in a temporary directory, hashed by the
 * digests behind image tags, against `sha256sum` over the same files in the same run. Each measurement
 * runs in its own process after a warm-up read, so all of them read from the page cache and report their
 * own peak RSS (flat in tree size: files are streamed, at most 16 × 1 MiB read ahead).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contextDigest, flyteSourceRootDigest, genericSourceRootDigest } from '../src/hash/digests.js';
import {
  measureInChild,
  peakRssMiB,
  timeCommand,
  type BenchModule,
  type BenchRow,
} from './support/measure.js';

const FILES = 20_000;
const TOTAL = 1024 * 1024 * 1024;
const LARGE_FILES = 20;
const SMALL_SIZE = 16 * 1024;
const DIRS = 200;

/** Writes the tree: 19,980 files of 16 KiB and 20 large files making up the rest of 1 GiB. */
async function generate(dir: string): Promise<void> {
  const pool = randomBytes(64 * 1024 * 1024);
  const largeSize = Math.floor((TOTAL - (FILES - LARGE_FILES) * SMALL_SIZE) / LARGE_FILES);
  for (let d = 0; d < DIRS; d++) await mkdir(path.join(dir, `d${d}`, 'sub'), { recursive: true });
  const jobs: Array<() => Promise<void>> = [];
  for (let i = 0; i < FILES; i++) {
    const size = i < LARGE_FILES ? largeSize : SMALL_SIZE;
    const file = path.join(dir, `d${i % DIRS}`, i % 2 ? 'sub' : '', `f${i}.bin`);
    jobs.push(async () => {
      const chunks: Buffer[] = [];
      for (let left = size, off = (i * 7919) % pool.length; left > 0;) {
        const n = Math.min(left, pool.length - off);
        chunks.push(pool.subarray(off, off + n));
        left -= n;
        off = 0;
      }
      await writeFile(file, Buffer.concat(chunks));
    });
  }
  for (let i = 0; i < jobs.length; i += 64) await Promise.all(jobs.slice(i, i + 64).map((j) => j()));
}

const SHOWN = (abs: string): string => abs;

const bench: BenchModule = {
  name: 'hash-tree: tree digests vs sha256sum (20,000 files, 1 GiB)',
  async measure([kind, dir]) {
    const start = process.hrtime.bigint();
    let files = 0;
    if (kind === 'flyte') files = (await flyteSourceRootDigest(dir!, dir!, 'tree')).files.length;
    else if (kind === 'generic') files = (await genericSourceRootDigest(dir!, 'tree')).files.length;
    else if (kind === 'context')
      files = (await contextDigest(dir!, undefined, undefined, SHOWN)).files.length;
    else throw new Error(`unknown measurement ${kind}`);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (files !== FILES) throw new Error(`hashed ${files} files, expected ${FILES}`);
    process.stdout.write(JSON.stringify({ seconds, peakRssMiB: peakRssMiB() }));
  },
  async run(ctx) {
    const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-tree-'));
    try {
      process.stdout.write(`generating ${FILES} files / 1 GiB in ${dir} ...\n`);
      await generate(dir);
      const sha256sum = (): Promise<number> =>
        timeCommand('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null']);
      process.chdir(dir);
      await sha256sum(); // warm-up: every file in the page cache
      const baseline = await sha256sum();
      const mib = TOTAL / (1024 * 1024);
      const rows: BenchRow[] = [
        { label: 'sha256sum (baseline)', seconds: baseline, mibPerSecond: mib / baseline, ratio: 1 },
      ];
      const measurements: Array<[string, string, string]> = [
        ['flyte source_root (MD5, flytekit ls_files)', 'flyte', 'git + .dockerignore + standard ignores'],
        ['generic source_root (SHA-256, framed)', 'generic', ''],
        ['generic build context (SHA-256, Docker ignores)', 'context', ''],
      ];
      for (const [label, kind, note] of measurements) {
        const m = await measureInChild(ctx, [kind, dir]);
        rows.push({
          label,
          seconds: m.seconds,
          mibPerSecond: mib / m.seconds,
          ratio: baseline / m.seconds,
          peakRssMiB: m.peakRssMiB,
          note,
        });
      }
      return rows;
    } finally {
      process.chdir(tmpdir());
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
