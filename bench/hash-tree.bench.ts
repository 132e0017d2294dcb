/**
 * Tree hashing against the floor: `md5sum` over the same files for flytekit's digests (MD5), `sha256sum` for
 * the generic ones (SHA-256), all in the same run. Two trees, so that time and peak RSS can be seen to scale
 * with the tree: 20,000 files / 1 GiB, and 80,000 files / 2 GiB (the first tree plus 60,000 more files). Each
 * tree has many 16 KiB files and a few large ones, spread over 200+ directories.
 *
 * Each measurement runs in its own process after a warm-up read, so every one reads from the page cache and
 * reports its own peak RSS; the floor and the flyte digests are the median of ROUNDS runs, interleaved. Wall
 * time and CPU time are both compared with the floor's: on a busy shared machine the CPU ratio is the steadier.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  contextDigest,
  flyteCopyDigest,
  flyteSourceRootDigest,
  genericSourceRootDigest,
} from '../src/hash/digests.js';
import {
  measureInChild,
  peakRssMiB,
  type BenchModule,
  type BenchRow,
  type ChildMeasurement,
} from './support/measure.js';

const MiB = 1024 * 1024;
const SMALL_SIZE = 16 * 1024;
const ROUNDS = 3;

interface Tree {
  name: string;
  files: number;
  bytes: number;
  large: number;
}
/** The first tree, then what the second adds to it (under `more/`). */
const FIRST: Tree = { name: 'first', files: 20_000, bytes: 1024 * MiB, large: 20 };
const MORE: Tree = { name: 'more', files: 60_000, bytes: 1024 * MiB, large: 60 };

/** Writes `tree.files` files under `dir`: `tree.large` large ones, the rest 16 KiB, in 100 directories × 2. */
function generate(dir: string, tree: Tree, pool: Buffer): void {
  const largeSize = Math.floor((tree.bytes - (tree.files - tree.large) * SMALL_SIZE) / tree.large);
  for (let d = 0; d < 100; d++) mkdirSync(path.join(dir, `d${d}`, 'sub'), { recursive: true });
  for (let i = 0; i < tree.files; i++) {
    const size = i < tree.large ? largeSize : SMALL_SIZE;
    const off = (i * 7919) % (pool.length - size);
    const file = path.join(dir, `d${i % 100}`, i % 2 ? 'sub' : '', `f${i}.bin`);
    writeFileSync(file, pool.subarray(off, off + size));
  }
}

const SHOWN = (abs: string): string => abs;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Timed {
  seconds: number;
  cpuSeconds: number;
}

/**
 * `find | xargs TOOL` over a tree: wall time, and CPU time of everything it ran (the shell's `times`), which
 * a busy shared machine disturbs much less than wall time.
 */
async function sum(tool: string, dir: string): Promise<Timed> {
  const start = process.hrtime.bigint();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', `find "$0" -type f -print0 | xargs -0 ${tool} > /dev/null; times`, dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${tool} exited ${code}`))));
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // `times`: the shell's user and system time, then its children's.
  const children = out.trim().split('\n').at(-1) ?? '';
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (n, m) => n + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { seconds, cpuSeconds };
}

const medianOf = (runs: Timed[]): Timed => ({
  seconds: median(runs.map((r) => r.seconds)),
  cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
});

const floorRow = (label: string, t: Timed, mib: number): BenchRow => ({
  label,
  seconds: t.seconds,
  mibPerSecond: mib / t.seconds,
  ratio: 1,
  note: `CPU ${t.cpuSeconds.toFixed(2)} s`,
});

/** A digest's row: median wall time, throughput ratio to the floor, peak RSS, time and CPU against the floor. */
function digestRow(
  label: string,
  runs: ChildMeasurement[],
  floor: Timed,
  mib: number,
  tool: string,
): BenchRow {
  const seconds = median(runs.map((m) => m.seconds));
  const cpu = median(runs.map((m) => m.cpuSeconds ?? Number.NaN));
  return {
    label,
    seconds,
    mibPerSecond: mib / seconds,
    ratio: floor.seconds / seconds,
    peakRssMiB: Math.max(...runs.map((m) => m.peakRssMiB)),
    note: `${(seconds / floor.seconds).toFixed(2)}x ${tool}'s time; CPU ${cpu.toFixed(2)} s = ${(cpu / floor.cpuSeconds).toFixed(2)}x ${tool}'s`,
  };
}

const bench: BenchModule = {
  name: 'hash-tree: tree digests vs md5sum / sha256sum (20,000 files / 1 GiB and 80,000 files / 2 GiB)',
  async measure([kind, dir, expected]) {
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    let files = 0;
    if (kind === 'flyte-copy')
      files = (await flyteCopyDigest([{ written: 'tree', abs: dir! }], SHOWN)).files.length;
    else if (kind === 'flyte') files = (await flyteSourceRootDigest(dir!, dir!, 'tree')).files.length;
    else if (kind === 'generic') files = (await genericSourceRootDigest(dir!, 'tree')).files.length;
    else if (kind === 'context')
      files = (await contextDigest(dir!, undefined, undefined, SHOWN)).files.length;
    else throw new Error(`unknown measurement ${kind}`);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    if (files !== Number(expected)) throw new Error(`hashed ${files} files, expected ${expected}`);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    process.stdout.write(JSON.stringify({ seconds, peakRssMiB: peakRssMiB(), cpuSeconds }));
  },
  async run(ctx) {
    const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-tree-'));
    const rows: BenchRow[] = [];
    try {
      const pool = randomBytes(64 * MiB);
      const first = path.join(dir, 'first');
      process.stdout.write(`generating ${FIRST.files} + ${MORE.files} files in ${dir} ...\n`);
      generate(first, FIRST, pool);
      generate(path.join(dir, 'more'), MORE, pool);
      const trees = [
        { label: `${FIRST.files / 1000}k files / 1 GiB`, dir: first, files: FIRST.files, bytes: FIRST.bytes },
        {
          label: `${(FIRST.files + MORE.files) / 1000}k files / 2 GiB`,
          dir,
          files: FIRST.files + MORE.files,
          bytes: FIRST.bytes + MORE.bytes,
        },
      ];
      for (const tree of trees) {
        const mib = tree.bytes / MiB;
        await sum('md5sum', tree.dir); // warm-up: every file in the page cache
        const md5: Timed[] = [];
        const copy: ChildMeasurement[] = [];
        const flyte: ChildMeasurement[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          md5.push(await sum('md5sum', tree.dir));
          copy.push(await measureInChild(ctx, ['flyte-copy', tree.dir, String(tree.files)]));
          flyte.push(await measureInChild(ctx, ['flyte', tree.dir, String(tree.files)]));
        }
        const floor = medianOf(md5);
        rows.push(floorRow(`${tree.label}: md5sum (floor)`, floor, mib));
        rows.push(
          digestRow(`${tree.label}: flyte copy digest (MD5, os.walk order)`, copy, floor, mib, 'md5sum'),
        );
        rows.push(
          digestRow(`${tree.label}: flyte source_root digest (MD5, ls_files)`, flyte, floor, mib, 'md5sum'),
        );
        const sha = await sum('sha256sum', tree.dir);
        rows.push(floorRow(`${tree.label}: sha256sum (floor)`, sha, mib));
        for (const [label, kind] of [
          ['generic source_root (SHA-256, framed)', 'generic'],
          ['generic build context (SHA-256, Docker ignores)', 'context'],
        ] as const) {
          const m = await measureInChild(ctx, [kind, tree.dir, String(tree.files)]);
          rows.push(digestRow(`${tree.label}: ${label}`, [m], sha, mib, 'sha256sum'));
        }
      }
      return rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
