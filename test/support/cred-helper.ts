/** Install the test credential helper (cred-helper.mjs) as `docker-credential-<name>` in a directory. */
import { copyFile, chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./cred-helper.mjs', import.meta.url));

export interface InstalledHelper {
  /** Directory to put first on PATH. */
  binDir: string;
  /** The store file; its lookups are appended to `${store}.log`. */
  store: string;
  /** Environment for the process that runs the helper. */
  env: NodeJS.ProcessEnv;
}

export async function writeCredHelper(
  binDir: string,
  name: string,
  entries: Record<string, { Username?: string; Secret?: string; fail?: string }>,
): Promise<InstalledHelper> {
  const program = join(binDir, `docker-credential-${name}`);
  await copyFile(SCRIPT, program);
  await chmod(program, 0o755);
  const store = join(binDir, `${name}-store.json`);
  await writeFile(store, JSON.stringify(entries));
  const env = {
    ...process.env,
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    IMAGESPEC_TEST_CRED_DIR: binDir,
  };
  return { binDir, store, env };
}
