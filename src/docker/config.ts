/**
 * A temporary DOCKER_CONFIG for buildx holding only the logins one build needs (the push registry and the
 * registries of its base images), so nothing else from the user's config reaches the build and no
 * credential is ever on a command line. Builder state stays where it was (BUILDX_CONFIG), and CLI plugins
 * and contexts stay visible through symlinks.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  authKey,
  dockerConfigDir,
  findCredentials,
  type CredentialOptions,
} from '../registry/credentials.js';

export interface TempDockerConfig {
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export async function tempDockerConfig(
  registries: string[],
  opts: CredentialOptions & { mask: (s: string) => void },
): Promise<TempDockerConfig> {
  const env = opts.env ?? process.env;
  const original = opts.configDir ?? dockerConfigDir(env);
  const dir = await mkdtemp(path.join(tmpdir(), 'imagespec-docker-'));
  const auths: Record<string, Record<string, string>> = {};
  for (const domain of registries) {
    const creds = await findCredentials(domain, opts);
    if (!creds) continue;
    auths[authKey(domain)] =
      creds.kind === 'basic'
        ? { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') }
        : { identitytoken: creds.token, ...(creds.username ? { username: creds.username } : {}) };
  }
  const config: Record<string, unknown> = { auths };
  const current = await readFile(path.join(original, 'config.json'), 'utf8')
    .then((t) => (JSON.parse(t) as { currentContext?: string }).currentContext)
    .catch(() => undefined);
  if (current) config['currentContext'] = current;
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  for (const sub of ['cli-plugins', 'contexts']) {
    if (existsSync(path.join(original, sub))) await symlink(path.join(original, sub), path.join(dir, sub));
  }
  return {
    env: {
      ...env,
      DOCKER_CONFIG: dir,
      BUILDX_CONFIG: env['BUILDX_CONFIG'] || path.join(original, 'buildx'),
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
