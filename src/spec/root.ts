/** The repository root that referenced files must stay inside: the git top level, else the spec directory. */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';

export async function repositoryRoot(dir: string): Promise<string> {
  const top = await new Promise<string | undefined>((done) => {
    execFile('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeout: 10_000 }, (err, stdout) => {
      done(err ? undefined : stdout.trim() || undefined);
    });
  });
  try {
    return await realpath(top ?? dir);
  } catch {
    return top ?? dir;
  }
}
