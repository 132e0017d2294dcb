/**
 * Cache mounts kept between runs: the second build of an image after one package changed, on a wiped builder
 * (as on a fresh runner), with and without `mount-cache`, in the same run. The action runs as the GitHub runner
 * runs it (inputs and files through the environment; each run in its own process), pip installs four wheels of
 * 8 MiB of random data each plus one small package from a loopback index whose request log gives the bytes
 * downloaded; @actions/cache talks to the testbed's cache service double (v1, and v2 as a second row).
 *
 * Wall time covers the whole action step: restore and fill the cache mount, build, read it out and save.
 * On loopback the index answers at memory speed, so the time a real network would spend on the skipped
 * downloads does not show here; the bytes do.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction } from '../src/action.js';
import {
  actionEnv,
  bigWheel,
  eventPayload,
  pruneRecords,
  startOwnIndex,
  wipeBuilder,
  type CacheProtocol,
  type OwnIndex,
} from '../test/support/mount-cache.js';
import { removeImages, requireTestbed, type Testbed } from '../test/support/testbed.js';
import { buildWheel } from '../test/support/wheel.js';
import { measureInChild, peakRssMiB, type BenchContext, type BenchModule } from './support/measure.js';

const BIG_WHEELS = 4;
const BIG_BYTES = 8 * 1024 * 1024;
const ROUNDS = 3;
const MiB = 1024 * 1024;

interface Mode {
  label: string;
  mountCache: boolean;
  protocol: CacheProtocol;
}
const MODES: Mode[] = [
  { label: 'second build without mount cache (baseline)', mountCache: false, protocol: 'v1' },
  { label: 'second build with mount cache, cache service v1', mountCache: true, protocol: 'v1' },
  { label: 'second build with mount cache, cache service v2', mountCache: true, protocol: 'v2' },
];

interface Sample {
  seconds: number;
  peakRssMiB: number;
  downloadedBytes: number;
  summary: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

class Scenario {
  private readonly refs: string[] = [];

  constructor(
    private readonly tb: Testbed,
    private readonly index: OwnIndex,
    private readonly root: string,
    private readonly marker: string,
    private readonly packages: string[],
  ) {}

  /** Runs the action once in a child process and reports its wall time and what pip downloaded. */
  async action(ctx: BenchContext, image: string, mode: Mode, small: string): Promise<Sample> {
    const dir = path.join(this.root, image);
    const step = await mkdtemp(path.join(this.root, 'step-'));
    const ws = path.join(dir, 'workspace');
    const runnerTemp = path.join(dir, 'temp');
    await mkdir(ws, { recursive: true });
    await mkdir(runnerTemp, { recursive: true });
    await mkdir(path.join(step, 'docker'));
    await writeFile(path.join(step, 'docker', 'config.json'), '{}');
    const files = {
      output: path.join(step, 'output'),
      summary: path.join(step, 'summary'),
      event: path.join(step, 'event.json'),
    };
    await writeFile(files.output, '');
    await writeFile(files.summary, '');
    await writeFile(files.event, eventPayload('push'));
    await writeFile(
      path.join(ws, 'imagespec.yaml'),
      [
        `name: ${image}`,
        `base_image: ${this.tb.mirror}/testbed/debian-python3:bookworm`,
        'python_installer: pip',
        `packages: [${[...this.packages, small].join(', ')}]`,
        `pip_index: ${this.index.url}`,
        // pip caches downloads only from https indexes and trusted hosts; the loopback index is plain http.
        `pip_extra_args: --trusted-host ${new URL(this.index.url).host}`,
        'builder_options: {network: host}',
        '',
      ].join('\n'),
    );
    const env = actionEnv({
      tb: this.tb,
      protocol: mode.protocol,
      namespace: `${this.marker}-bench`,
      workspace: ws,
      runnerTemp,
      files,
      eventName: 'push',
      dockerConfig: path.join(step, 'docker'),
      inputs: { cache: 'none', 'mount-cache': String(mode.mountCache) },
    });
    const mark = await this.index.mark();
    // The child inherits this process's environment: give it exactly the runner's, then put ours back.
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) delete process.env[key];
    Object.assign(process.env, env, { IMAGESPEC_BENCH_LOG: path.join(step, 'log'), IMAGESPEC_BENCH_CWD: ws });
    let m: { seconds: number; peakRssMiB: number };
    try {
      m = await measureInChild(ctx, ['action']);
    } finally {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    const outputs = await readFile(files.output, 'utf8');
    const ref = /^image<<(.+)\n(.*)\n\1$/m.exec(outputs)?.[2];
    if (ref) this.refs.push(ref);
    const downloads = await this.index.downloads(mark);
    return {
      seconds: m.seconds,
      peakRssMiB: m.peakRssMiB,
      downloadedBytes: downloads.reduce((sum, d) => sum + d.bytes, 0),
      summary: await readFile(files.summary, 'utf8'),
    };
  }

  async wipe(): Promise<void> {
    await wipeBuilder(this.marker, this.refs, ['imagespec-pip']);
  }

  async cleanup(): Promise<void> {
    await removeImages(this.refs);
    await pruneRecords(this.marker);
    await pruneRecords('/imagespec-restore');
    await pruneRecords('/imagespec-out');
  }
}

const bench: BenchModule = {
  name: `mount-cache: second build after one package changed, ${BIG_WHEELS} wheels of ${BIG_BYTES / MiB} MiB, wiped builder`,

  /** In the child: the action itself, its log sent to a file so stdout carries only the measurement. */
  async measure() {
    const log = process.env.IMAGESPEC_BENCH_LOG ?? '/dev/null';
    const stdoutWrite = process.stdout.write.bind(process.stdout);
    const toLog = ((chunk: string | Uint8Array) => {
      appendFileSync(log, chunk);
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = toLog;
    process.stderr.write = toLog;
    process.chdir(process.env.IMAGESPEC_BENCH_CWD ?? process.cwd());
    const start = process.hrtime.bigint();
    await runAction();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write = stdoutWrite;
    if (process.exitCode) {
      const tail = (await readFile(log, 'utf8')).split('\n').slice(-30).join('\n');
      throw new Error(`the action failed:\n${tail}`);
    }
    stdoutWrite(JSON.stringify({ seconds, peakRssMiB: peakRssMiB() }));
  },

  async run(ctx) {
    const tb = await requireTestbed();
    const marker = `mcb${randomBytes(4).toString('hex')}`;
    const root = await mkdtemp(path.join(tmpdir(), 'imagespec-bench-mount-cache-'));
    const index = await startOwnIndex();
    const big = Array.from({ length: BIG_WHEELS }, (_, i) => `${marker}-big-${i}`);
    const small = `${marker}-small`;
    const scenario = new Scenario(tb, index, root, marker, big);
    try {
      process.stdout.write(`making ${BIG_WHEELS} wheels of ${BIG_BYTES / MiB} MiB ...\n`);
      for (const name of big) await index.add(bigWheel(name, '1.0.0', BIG_BYTES));
      for (let v = 1; v <= 2 * ROUNDS * MODES.length; v++)
        await index.add(buildWheel({ name: small, version: `${v}.0.0` }));
      const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
      let version = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of MODES) {
          // A fresh image per sample: first build fills (and with the feature, saves) the cache mount.
          const image = `${marker}-${round}-${MODES.indexOf(mode)}`;
          await scenario.wipe();
          await scenario.action(ctx, image, mode, `${small}==${++version}.0.0`);
          await scenario.wipe();
          const second = await scenario.action(ctx, image, mode, `${small}==${++version}.0.0`);
          if (mode.mountCache && !/mounts: pip partial; saved 1/.test(second.summary))
            throw new Error(`the second build did not restore the cache mount:\n${second.summary}`);
          samples.get(mode)?.push(second);
          process.stdout.write(
            `round ${round + 1}: ${mode.label}: ${second.seconds.toFixed(2)} s, ${(second.downloadedBytes / MiB).toFixed(1)} MiB\n`,
          );
        }
      }
      const [baselineMode] = MODES;
      const baseline = samples.get(baselineMode!) ?? [];
      const baseSeconds = median(baseline.map((s) => s.seconds));
      const baseBytes = median(baseline.map((s) => s.downloadedBytes));
      return MODES.map((mode) => {
        const list = samples.get(mode) ?? [];
        const seconds = median(list.map((s) => s.seconds));
        const bytes = median(list.map((s) => s.downloadedBytes));
        // Where the step's extra seconds equal the download time saved: slower indexes make the feature pay.
        const extra = seconds - baseSeconds;
        const breakEven =
          mode.mountCache && extra > 0
            ? `; pays off below ${((baseBytes - bytes) / MiB / extra).toFixed(0)} MiB/s from the index`
            : '';
        return {
          label: mode.label,
          seconds,
          ratio: baseSeconds / seconds,
          peakRssMiB: Math.max(...list.map((s) => s.peakRssMiB)),
          note: `downloaded ${(bytes / MiB).toFixed(1)} MiB (${(bytes / baseBytes).toFixed(3)}x of baseline)${breakEven}; median of ${list.length}`,
        };
      });
    } finally {
      await scenario.cleanup();
      await index.close();
      await rm(root, { recursive: true, force: true });
    }
  },
};

export default bench;
