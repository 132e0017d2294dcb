import { findCredentials, type CredentialOptions, type ExplicitLogin } from '../registry/index.js';
import type { PushDecision } from '../run.js';
import type { EventContext } from './event.js';
import type { ActionInputs } from './inputs.js';

/**
 * Whether this run pushes. `push: auto` pushes unless the event cannot: a pull request from a fork (read-only
 * token, no secrets) or a registry we hold no credentials for. Images are still planned and, with
 * `build-without-push`, built to prove the spec builds. On ghcr.io the workflow's token is used when nothing
 * else logs in.
 */
export async function decidePush(
  inputs: Pick<ActionInputs, 'push' | 'username' | 'password' | 'githubToken'>,
  event: EventContext,
  registries: string[],
  credentials: CredentialOptions,
  actor: string | undefined,
): Promise<PushDecision> {
  if (inputs.push === 'false')
    return { push: false, reason: "push is 'false': missing images are built but not pushed" };
  if (event.fromFork && inputs.push === 'auto') {
    return {
      push: false,
      reason:
        'pull request from a fork: no registry login and nothing pushed; tags and existence are checked, and missing images are built to prove the spec builds',
    };
  }
  const logins: ExplicitLogin[] = [];
  if (inputs.username && inputs.password) {
    for (const registry of registries)
      logins.push({ registry, username: inputs.username, password: inputs.password });
  }
  const lacking: string[] = [];
  for (const registry of registries) {
    if (logins.some((l) => l.registry === registry)) continue;
    const found = await findCredentials(registry, credentials).catch(() => undefined);
    if (found) continue;
    if (registry === 'ghcr.io' && inputs.githubToken && !event.fromFork) {
      logins.push({ registry, username: actor || 'github-actions', password: inputs.githubToken });
      continue;
    }
    lacking.push(registry);
  }
  if (lacking.length > 0 && inputs.push === 'auto') {
    return {
      push: false,
      logins,
      reason: `no credentials for ${lacking.join(', ')}: nothing pushed. Log in first (docker/login-action) or set the username and password inputs`,
    };
  }
  return { push: true, logins };
}
