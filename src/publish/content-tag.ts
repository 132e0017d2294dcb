/**
 * The content tag is written last, by a manifest copy, and only when it is still missing. A build pushes its
 * image under a staging tag next to the content tag (`<tag>-staging`); then the registry is asked once more,
 * and the content tag is pointed at whatever the staging tag holds now (`imagetools create`, manifests only).
 * Runs of the same spec racing to one content tag share that staging tag, so the last image staged is the one
 * they all copy: the content tag converges on one digest instead of moving once per run, and a run that finds
 * the content tag already written leaves it alone. The staging tag stays in the registry (one per content tag).
 */
import { docker, lastLines } from '../docker/cli.js';
import { tempDockerConfig } from '../docker/config.js';
import type { CredentialOptions } from '../registry/credentials.js';
import { checkExistence } from '../registry/existence.js';
import type { RegistryClient } from '../registry/client.js';
import { parseReference, registriesOf } from '../registry/reference.js';

const STAGING = '-staging';

/**
 * The tag a build pushes to before the content tag is written: `REPOSITORY:TAG-staging`, the tag cut so the
 * result stays within the 128 characters a tag may have (the hash at its start keeps it apart from others).
 */
export function stagingReference(reference: string): string {
  const colon = reference.lastIndexOf(':');
  const tag = reference.slice(colon + 1);
  return `${reference.slice(0, colon + 1)}${tag.slice(0, 128 - STAGING.length)}${STAGING}`;
}

export interface ContentTagResult {
  /** The digest the content tag has after this call. */
  digest?: string;
  /** The content tag was already there (a concurrent run wrote it); this call changed nothing. */
  concurrent: boolean;
}

/**
 * Points `reference` (the content tag) at the image now under its staging tag, unless the content tag
 * exists by now. `staged` is this run's own pushed digest, used when the staging tag cannot be read.
 */
export async function writeContentTag(
  client: RegistryClient,
  reference: string,
  platforms: readonly string[],
  staged: string | undefined,
  opts: CredentialOptions & { mask: (s: string) => void },
  delayMs = 1000,
): Promise<ContentTagResult> {
  const exists = async (): Promise<ContentTagResult | undefined> => {
    const now = await checkExistence(client, reference, platforms).catch(() => undefined);
    if (now?.state !== 'exists') return undefined;
    return { concurrent: true, ...(now.digest ? { digest: now.digest } : {}) };
  };
  const first = await exists();
  if (first) return first;
  const staging = await checkExistence(client, stagingReference(reference), platforms).catch(() => undefined);
  const latest = staging?.state === 'exists' ? staging.digest : undefined;
  // The latest staged image first (what racing runs converge on), then this run's own; a registry still
  // writing a manifest another run pushed a moment ago can answer 5xx for it, so each is tried a few times.
  const candidates = [...new Set([latest, staged].filter((d): d is string => Boolean(d)))];
  if (candidates.length === 0) throw new Error(`${reference}: no digest of the staged image to copy`);
  let last: unknown;
  for (const digest of candidates) {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) {
        await new Promise((done) => setTimeout(done, delayMs));
        const meanwhile = await exists();
        if (meanwhile) return meanwhile;
      }
      try {
        await copyManifest(reference, digest, opts);
        return { digest, concurrent: false };
      } catch (err) {
        last = err;
      }
    }
  }
  throw last;
}

/** `imagetools create`: the tag points at the manifest `digest` of the same repository. */
async function copyManifest(
  reference: string,
  digest: string,
  opts: CredentialOptions & { mask: (s: string) => void },
): Promise<void> {
  const ref = parseReference(reference);
  const source = `${reference.slice(0, reference.length - (ref.tag ? ref.tag.length + 1 : 0))}@${digest}`;
  const config = await tempDockerConfig(registriesOf([reference]), opts);
  try {
    // --prefer-index=false: a single manifest (as the classic image store pushes) is copied as it is.
    const result = await docker(
      ['buildx', 'imagetools', 'create', '--prefer-index=false', '--tag', reference, source],
      { env: config.env },
    );
    if (result.code !== 0) throw new Error(lastLines(result.stderr, 3));
  } finally {
    await config.cleanup();
  }
}
