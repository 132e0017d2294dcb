/** The one place that runs the docker CLI (through @actions/exec), capturing or streaming its output. */
import { getExecOutput } from '@actions/exec';
import { UserError, errorMessage } from '../errors.js';

export interface DockerRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerRunOptions {
  env?: NodeJS.ProcessEnv;
  /** Called with each complete output line (stdout and stderr) while the command runs. */
  onLine?: (line: string) => void;
  input?: Buffer;
}

/** Runs `docker ARGS`; never throws for a non-zero exit (the caller decides what a failure means). */
export async function docker(args: string[], opts: DockerRunOptions = {}): Promise<DockerRun> {
  const lines = opts.onLine ? lineSplitter(opts.onLine) : undefined;
  let result;
  try {
    result = await getExecOutput('docker', args, {
      ignoreReturnCode: true,
      silent: true,
      ...(opts.env
        ? {
            env: Object.fromEntries(Object.entries(opts.env).filter(([, v]) => v !== undefined)) as Record<
              string,
              string
            >,
          }
        : {}),
      ...(opts.input ? { input: opts.input } : {}),
      ...(lines ? { listeners: { stdout: lines.push, stderr: lines.push } } : {}),
    });
  } catch (err) {
    throw notInstalled(err);
  }
  lines?.flush();
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

function lineSplitter(onLine: (line: string) => void): { push: (b: Buffer) => void; flush: () => void } {
  let rest = '';
  return {
    push: (b: Buffer) => {
      const text = rest + b.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    },
    flush: () => {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

/** The docker CLI could not be started at all: say what the action needs instead of a path-lookup error. */
function notInstalled(err: unknown): Error {
  const message = errorMessage(err);
  if (!/Unable to locate executable file: docker/.test(message))
    return err instanceof Error ? err : new Error(message);
  return new UserError(
    'the docker CLI was not found on PATH; this needs Docker with the buildx plugin (GitHub-hosted Ubuntu runners have both; on a self-hosted runner install docker and buildx, or run docker/setup-buildx-action first)',
  );
}

/** The last lines of a command's output on one line, for an error message. */
export function lastLines(output: string, count = 5): string {
  return output.trim().split('\n').slice(-count).join(' / ');
}
