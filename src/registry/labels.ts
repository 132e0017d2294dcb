/**
 * The labels of an image in a registry: manifest (for an index, the manifest of the wanted platform) →
 * config blob → `config.Labels`. Used to read the explain record an image carries (`explain --against`).
 */
import type { RegistryClient, RegistryReply } from './client.js';
import { MANIFEST_ACCEPT } from './existence.js';
import { formatReference, parseReference, type ImageReference } from './reference.js';
import { formatPlatform, normalizePlatform, parsePlatform } from './platform.js';

interface Descriptor {
  digest?: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}
interface ManifestJson {
  manifests?: Descriptor[];
  config?: { digest?: string };
}

/** Why labels could not be read: the image is not there, or the registry could not be asked. */
export class LabelsUnavailable extends Error {
  override name = 'LabelsUnavailable';
  constructor(
    message: string,
    readonly missing: boolean,
  ) {
    super(message);
  }
}

function json<T>(reply: RegistryReply, what: string): T {
  try {
    return JSON.parse(reply.body) as T;
  } catch {
    throw new LabelsUnavailable(`${what} is not JSON`, false);
  }
}

function check(reply: RegistryReply, what: string, name: string): void {
  if (reply.status === 200) return;
  if (reply.status === 404) throw new LabelsUnavailable(`${name} was not found (${what} answered 404)`, true);
  if (reply.status === 401 || reply.status === 403) {
    throw new LabelsUnavailable(
      `${what} answered ${reply.status} (credentials: ${reply.auth}); log in to the registry first`,
      false,
    );
  }
  throw new LabelsUnavailable(`${what} answered ${reply.status}`, false);
}

/** The manifest of an index to read: the wanted platform, else the first that is not an attestation. */
function pick(manifests: Descriptor[], platform: string | undefined): Descriptor | undefined {
  const images = manifests.filter((m) => m.platform?.os !== 'unknown' && m.digest);
  if (platform) {
    const want = formatPlatform(parsePlatform(platform));
    const hit = images.find((m) => {
      const p = m.platform;
      if (!p?.os || !p.architecture) return false;
      const variant = p.variant ? { variant: p.variant } : {};
      return (
        formatPlatform(normalizePlatform({ os: p.os, architecture: p.architecture, ...variant })) === want
      );
    });
    if (hit) return hit;
  }
  return images[0];
}

/** The labels of `reference` (of `platform` in a multi-platform image); `{}` when it has none. */
export async function readLabels(
  client: RegistryClient,
  reference: string | ImageReference,
  platform?: string,
): Promise<Record<string, string>> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = formatReference(ref);
  const deadline = client.deadline();
  let target = ref.digest ?? ref.tag ?? 'latest';
  let manifest: ManifestJson | undefined;
  for (let depth = 0; depth < 2 && !manifest?.config; depth++) {
    const reply = await client.request(ref, `manifests/${target}`, { accept: MANIFEST_ACCEPT, deadline });
    check(reply, `GET manifests/${target}`, name);
    manifest = json<ManifestJson>(reply, `the manifest of ${name}`);
    if (Array.isArray(manifest.manifests)) {
      const chosen = pick(manifest.manifests, platform);
      if (!chosen?.digest) throw new LabelsUnavailable(`the index of ${name} lists no image`, false);
      target = chosen.digest;
    }
  }
  const config = manifest?.config?.digest;
  if (!config) throw new LabelsUnavailable(`the manifest of ${name} names no config blob`, false);
  const blob = await client.request(ref, `blobs/${config}`, { deadline });
  check(blob, `GET blobs/${config}`, name);
  const labels = json<{ config?: { Labels?: unknown } }>(blob, `the config of ${name}`).config?.Labels;
  const out: Record<string, string> = {};
  if (labels && typeof labels === 'object') {
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
