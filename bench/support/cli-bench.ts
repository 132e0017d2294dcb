/**
 * Shared parts of the benchmarks that time the committed CLI as a whole process on Node.js 24 against the testbed:
 * a timed child process, the median, a Docker config with the basic registry's login, and the loop that measures
 * `node -e 0` (the floor) and the command interleaved, round by round, so a shared machine's noise falls on both.
 */
import { spawn } from 'node:child_process';
import { dockerConfigWithLogin, type Testbed } from '../../test/support/testbed.js';
import type { BenchRow } from './measure.js';

export interface Ran {
  seconds: number;
  stdout: string;
  /** stdout and stderr together, in arrival order. */
  output: string;
}

/** Runs a command and returns its wall time and output; fails with the output's end if it exits non-zero. */
export function runTimed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Ran> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout, output })
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${output.slice(-2000)}`)),
    );
  });
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A minimal environment whose Docker config logs in to the testbed's basic registry (written under `dir`). */
export async function basicRegistryEnv(tb: Testbed, dir: string): Promise<NodeJS.ProcessEnv> {
  const docker = await dockerConfigWithLogin(dir, tb.basic);
  return { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: docker };
}

export interface AgainstFloor {
  node: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  rounds: number;
  /** Checks one run's stdout (throws when the answer is wrong) and returns a note for the report. */
  check(stdout: string): string;
  label: string;
  targetSeconds: number;
}

/** The floor and the command, interleaved for `rounds` rounds after one checked warm-up run; two report rows. */
export async function timeAgainstFloor(o: AgainstFloor): Promise<BenchRow[]> {
  o.check((await runTimed(o.node, o.args, o.env, o.cwd)).stdout);
  const floor: number[] = [];
  const runs: number[] = [];
  let note = '';
  for (let i = 0; i < o.rounds; i++) {
    floor.push((await runTimed(o.node, ['-e', '0'], o.env, o.cwd)).seconds);
    const r = await runTimed(o.node, o.args, o.env, o.cwd);
    note = o.check(r.stdout);
    runs.push(r.seconds);
  }
  const f = median(floor);
  const p = median(runs);
  return [
    { label: 'node -e 0 (floor)', seconds: f, ratio: 1 },
    {
      label: o.label,
      seconds: p,
      ratio: f / p,
      note: `target ≤ ${o.targetSeconds} s: ${p <= o.targetSeconds ? 'met' : 'MISSED'}; ${note}`,
    },
  ];
}
