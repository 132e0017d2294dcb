/**
 * A multi-platform image made from images already in the registry, with `docker buildx imagetools create`:
 * the registry copies nothing but manifests (blobs stay where they are, or are mounted across repositories),
 * and attestation manifests of the sources are kept.
 */
import { docker, lastLines } from '../docker/cli.js';
import { tempDockerConfig } from '../docker/config.js';
import type { CredentialOptions } from '../registry/credentials.js';
import { registriesOf } from '../registry/reference.js';

/** Points `tag` at a new index of `sources` (references by digest). Throws with buildx's last lines on failure. */
export async function createIndex(
  tag: string,
  sources: readonly string[],
  opts: CredentialOptions & { mask: (s: string) => void },
): Promise<void> {
  const config = await tempDockerConfig(registriesOf([tag, ...sources]), opts);
  try {
    const result = await docker(['buildx', 'imagetools', 'create', '--tag', tag, ...sources], {
      env: config.env,
    });
    if (result.code !== 0) throw new Error(lastLines(result.stderr, 5));
  } finally {
    await config.cleanup();
  }
}
