/** Helpers for benchmark modules: timed child processes, so each measurement has its own peak RSS. */
import { spawn } from 'node:child_process';

/** One row of a benchmark's report. */
export interface BenchRow {
  label: string;
  /** Median wall time; absent for rows that report a size. */
  seconds?: number;
  mibPerSecond?: number;
  /** Throughput relative to the baseline measured in the same run (>1: faster than the baseline). */
  ratio?: number;
  peakRssMiB?: number;
  note?: string;
}

export interface BenchContext {
  /** The bundled module and the runner, to run one measurement of the module in a child process. */
  bundle: string;
  runner: string;
}

export interface BenchModule {
  name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
  /** Runs one measurement in this process and prints `{ seconds, peakRssMiB, note? }` as JSON. */
  measure(args: string[]): Promise<void>;
}

/** Runs a command and returns its wall time; fails if it exits non-zero. */
export async function timeCommand(
  command: string,
  args: string[],
  options: { shell?: boolean } = {},
): Promise<number> {
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      shell: options.shell ?? false,
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** What a child measurement prints: wall time, peak RSS, optionally its own CPU time and a note. */
export interface ChildMeasurement {
  seconds: number;
  peakRssMiB: number;
  cpuSeconds?: number;
  note?: string;
}

/** Runs `measure(args)` of the bundled module in a child process and returns what it printed. */
export async function measureInChild(ctx: BenchContext, args: string[]): Promise<ChildMeasurement> {
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [ctx.runner, ctx.bundle, '--measure', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`measurement ${args.join(' ')} exited ${code}`)),
    );
  });
  return JSON.parse(stdout) as ChildMeasurement;
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
