/**
 * "Does this tag exist?" with three answers. `exists` and `missing` come only from a registry that
 * answered the question; everything else (auth refused, server errors after retries, timeouts,
 * network errors) is `unknown` with the reason, so a policy can decide (see policy.ts).
 */
import { createHash } from 'node:crypto';
import type { Existence } from '../spec/types.js';
import { RegistryFailure, type FailureCause, type RegistryClient, type RegistryReply } from './client.js';
import { formatReference, parseReference, type ImageReference } from './reference.js';
import { absentPlatforms, formatPlatform, normalizePlatform, type Platform } from './platform.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Every manifest type a tag may hold; registries answer 404 when the stored one is not accepted. */
export const MANIFEST_ACCEPT: readonly string[] = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
];

/** Why an answer is `unknown`: a failed request, or an image without a registry to ask. */
export type UnknownCause = FailureCause | 'no-registry';

/** Existence plus, for `unknown`, what kind of failure it was (decides the advice in policy.ts). */
export interface RegistryCheck extends Existence {
  cause?: UnknownCause;
}

const isIndex = (mediaType: string): boolean =>
  mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList;

/** `checkExistence`, with any failure it throws an `unknown` answer saying why (the caller's policy decides). */
export async function checkOrUnknown(
  client: RegistryClient,
  reference: string,
  platforms: string[],
): Promise<RegistryCheck> {
  try {
    return await checkExistence(client, reference, platforms);
  } catch (err) {
    return { state: 'unknown', cause: 'server', reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Check one reference (with tag or digest). `platforms` are the requested platforms as written
 * (`linux/amd64`): an index must list each of them; a single-platform image is accepted for one requested
 * platform and checked against its config when several are requested.
 */
export async function checkExistence(
  client: RegistryClient,
  reference: string | ImageReference,
  platforms: readonly string[] = [],
): Promise<RegistryCheck> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = formatReference(ref);
  const target = ref.digest ?? ref.tag ?? 'latest';
  const deadline = client.deadline();
  try {
    const head = await client.request(ref, `manifests/${target}`, {
      method: 'HEAD',
      accept: MANIFEST_ACCEPT,
      deadline,
    });
    if (head.status === 404) {
      return { state: 'missing', reason: 'the registry answered 404 (no such tag or repository)' };
    }
    if (head.status === 401 || head.status === 403) return refused(head);
    if (head.status !== 200) {
      return {
        state: 'unknown',
        cause: 'server',
        reason: `unexpected answer ${head.status} to HEAD manifests/${target}`,
      };
    }
    const mediaType = contentType(head);
    let digest = head.headers.get('docker-content-digest') ?? undefined;
    let manifest: { text: string; mediaType: string } | undefined;
    const needsBody = !digest || isIndex(mediaType) || platforms.length > 1;
    if (needsBody) {
      const got = await client.request(ref, `manifests/${digest ?? target}`, {
        accept: MANIFEST_ACCEPT,
        deadline,
      });
      if (got.status !== 200) return unexpected(got, `GET manifests/${digest ?? target}`);
      manifest = { text: got.body, mediaType: contentType(got) || mediaType };
      digest ??= `sha256:${createHash('sha256').update(got.body).digest('hex')}`;
    }
    const found: RegistryCheck = { state: 'exists', reason: `found ${name}`, digest, mediaType };
    if (!manifest || platforms.length === 0) return found;

    const available = await platformsOf(client, ref, manifest, deadline);
    if ('unknown' in available) return available.unknown;
    const absent = absentPlatforms(platforms, available.platforms);
    if (absent.length === 0) {
      return { ...found, reason: `found ${name} with ${platforms.join(', ')}` };
    }
    const has = available.platforms.map(formatPlatform).join(', ') || 'no platforms';
    return {
      state: 'missing',
      reason: `the image exists but lacks ${absent.join(', ')} (it has ${has})`,
      digest,
      mediaType,
      missingPlatforms: absent,
    };
  } catch (err) {
    if (err instanceof RegistryFailure) return { state: 'unknown', cause: err.kind, reason: err.message };
    throw err;
  }
}

function contentType(reply: RegistryReply): string {
  return (reply.headers.get('content-type') ?? '').split(';')[0]!.trim();
}

function refused(reply: RegistryReply): RegistryCheck {
  let reason: string;
  if (!reply.authenticated) {
    reason = `${reply.status} without credentials (${reply.auth}): the repository is private or does not exist`;
  } else if (reply.status === 401) {
    reason = `401 after authenticating ${reply.auth}: the registry refused the credentials, or the account cannot pull this repository (or it does not exist)`;
  } else {
    reason = `403 after authenticating ${reply.auth}: the account may not pull this repository`;
  }
  return { state: 'unknown', cause: 'auth', reason };
}

function unexpected(reply: RegistryReply, what: string): RegistryCheck {
  if (reply.status === 401 || reply.status === 403) return refused(reply);
  return { state: 'unknown', cause: 'server', reason: `unexpected answer ${reply.status} to ${what}` };
}

interface IndexJson {
  manifests?: Array<{ platform?: Partial<Platform> }>;
}
interface ManifestJson {
  config?: { digest?: string };
}
interface ConfigJson {
  os?: string;
  architecture?: string;
  variant?: string;
}

/** Platforms an index lists, or the one platform of a single image (read from its config blob). */
async function platformsOf(
  client: RegistryClient,
  ref: ImageReference,
  manifest: { text: string; mediaType: string },
  deadline: number,
): Promise<{ platforms: Platform[] } | { unknown: RegistryCheck }> {
  const bad = (reason: string): { unknown: RegistryCheck } => ({
    unknown: { state: 'unknown', cause: 'server', reason },
  });
  let json: unknown;
  try {
    json = JSON.parse(manifest.text);
  } catch {
    return bad('the registry returned a manifest that is not JSON');
  }
  if (isIndex(manifest.mediaType) || Array.isArray((json as IndexJson).manifests)) {
    const platforms = ((json as IndexJson).manifests ?? [])
      .map((m) => m.platform)
      .filter((p): p is Platform => typeof p?.os === 'string' && typeof p.architecture === 'string')
      .map(normalizePlatform);
    return { platforms };
  }
  const configDigest = (json as ManifestJson).config?.digest;
  if (!configDigest) return bad('the manifest names no config blob');
  const blob = await client.request(ref, `blobs/${configDigest}`, { deadline });
  if (blob.status !== 200) return { unknown: unexpected(blob, `GET blobs/${configDigest}`) };
  try {
    const config = JSON.parse(blob.body) as ConfigJson;
    if (!config.os || !config.architecture) return { platforms: [] };
    const p: Platform = { os: config.os, architecture: config.architecture };
    if (config.variant) p.variant = config.variant;
    return { platforms: [normalizePlatform(p)] };
  } catch {
    return bad('the image config is not JSON');
  }
}
