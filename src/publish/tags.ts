/**
 * Extra tags (e.g. `latest`, or the tags docker/metadata-action computes) point at the content-tagged image
 * by digest, added with `docker buildx imagetools create`: no rebuild, no new manifest, and the content tag
 * itself is never moved.
 */
import { docker, lastLines } from '../docker/cli.js';
import { tempDockerConfig } from '../docker/config.js';
import { registriesOf } from '../registry/reference.js';
import type { CredentialOptions } from '../registry/credentials.js';
import { formatReference, parseReference } from '../registry/reference.js';

/** Full references for extra tags: a bare tag goes on the image's repository; a full reference stays as given. */
export function extraReferences(repository: string, contentTag: string, tags: string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const full = tag.includes(':') || tag.includes('/') ? tag : `${repository}:${tag}`;
    const ref = parseReference(full);
    if (ref.digest) throw new Error(`extra tag '${tag}' is a digest reference; give a tag`);
    if (!ref.tag) throw new Error(`extra tag '${tag}' names no tag; write REPOSITORY:TAG or a bare TAG`);
    const text = formatReference(ref);
    if (text === formatReference(parseReference(`${repository}:${contentTag}`))) continue;
    out.add(text);
  }
  return [...out];
}

export async function applyExtraTags(
  image: { repository: string; tag: string },
  digest: string,
  tags: string[],
  opts: CredentialOptions & { mask: (s: string) => void },
): Promise<string[]> {
  const refs = extraReferences(image.repository, image.tag, tags);
  if (refs.length === 0) return [];
  const source = `${image.repository}@${digest}`;
  const config = await tempDockerConfig(registriesOf([source, ...refs]), opts);
  try {
    // --prefer-index=false: a single-platform manifest (as the classic image store pushes) is copied as it is,
    // not wrapped in a new index, so every extra tag has the content tag's digest.
    const args = [
      'buildx',
      'imagetools',
      'create',
      '--prefer-index=false',
      ...refs.flatMap((r) => ['--tag', r]),
      source,
    ];
    const result = await docker(args, { env: config.env });
    if (result.code !== 0) throw new Error(lastLines(result.stderr, 3));
    return refs;
  } finally {
    await config.cleanup();
  }
}
