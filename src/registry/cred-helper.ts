/**
 * The Docker credential helper protocol (`docker-credential-<name> get`): the server URL on stdin,
 * `{"ServerURL","Username","Secret"}` on stdout; a Username of `<token>` marks Secret as an identity token.
 */
import { spawn } from 'node:child_process';

export interface HelperCredentials {
  username: string;
  secret: string;
}

/** What helpers print when they hold nothing for the server (docker-credential-helpers' ErrCredentialsNotFound). */
const NOT_FOUND = /credentials not found/i;
const HELPER_TIMEOUT_MS = 30_000;

export class CredentialHelperError extends Error {
  override name = 'CredentialHelperError';
}

/**
 * Ask `docker-credential-<helper>` for the credentials of `serverUrl`.
 * Resolves undefined when the helper holds none; rejects with CredentialHelperError when it cannot run or fails.
 */
export function getFromHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CredentialHelperError(`${program} did not answer within ${HELPER_TIMEOUT_MS / 1000} s`));
    }, HELPER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' ? 'is not on PATH' : `could not run (${err.message})`;
      reject(new CredentialHelperError(`credential helper ${program} ${why}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        const said = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
        if (NOT_FOUND.test(said)) resolve(undefined);
        else reject(new CredentialHelperError(`credential helper ${program} failed (exit ${code}): ${said}`));
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
        const username = typeof parsed.Username === 'string' ? parsed.Username : '';
        const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
        resolve(secret === '' ? undefined : { username, secret });
      } catch {
        reject(new CredentialHelperError(`credential helper ${program} printed something that is not JSON`));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
}
