/**
 * Push small images to a real registry with plain HTTP uploads (distribution's monolithic blob upload and
 * manifest PUT), so tests can create exactly the manifests they need: single-platform images and indexes.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface PushTarget {
  /** host:port of the registry (plain HTTP, loopback). */
  registry: string;
  /** Authorization for push, or undefined for an open registry. */
  authorization?: (repository: string) => Promise<string | undefined>;
}

export interface Pushed {
  digest: string;
  mediaType: string;
  size: number;
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Basic auth (htpasswd registries). */
export function basicAuth(user: string, password: string): PushTarget['authorization'] {
  const header = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return async () => header;
}

/** A pull+push token from a token server, fetched with Basic credentials. */
export function tokenAuth(
  realm: string,
  service: string,
  user: string,
  password: string,
): PushTarget['authorization'] {
  return async (repository) => {
    const url = new URL(realm);
    url.searchParams.set('service', service);
    url.searchParams.set('scope', `repository:${repository}:pull,push`);
    const res = await fetch(url, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    if (!res.ok) throw new Error(`token request failed: ${res.status}`);
    const body = (await res.json()) as { token: string };
    return `Bearer ${body.token}`;
  };
}

async function headers(target: PushTarget, repository: string, extra: Record<string, string> = {}) {
  const auth = await target.authorization?.(repository);
  return { ...extra, ...(auth ? { authorization: auth } : {}) };
}

export async function pushBlob(target: PushTarget, repository: string, data: Buffer): Promise<Pushed> {
  const digest = sha256(data);
  const base = `http://${target.registry}`;
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: await headers(target, repository),
  });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location') ?? '', base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: await headers(target, repository, { 'content-type': 'application/octet-stream' }),
    body: data,
  });
  if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
  return { digest, mediaType: 'application/octet-stream', size: data.length };
}

export async function pushManifest(
  target: PushTarget,
  repository: string,
  reference: string,
  mediaType: string,
  manifest: unknown,
): Promise<Pushed> {
  const body = Buffer.from(JSON.stringify(manifest));
  const res = await fetch(`http://${target.registry}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: await headers(target, repository, { 'content-type': mediaType }),
    body,
  });
  if (res.status !== 201) throw new Error(`manifest PUT: ${res.status} ${await res.text()}`);
  return { digest: sha256(body), mediaType, size: body.length };
}

/** Push a one-layer image for a platform (`linux/arm64`); tag it when `tag` is given. */
export async function pushImage(
  target: PushTarget,
  repository: string,
  platform: string,
  tag?: string,
  mediaType = 'application/vnd.oci.image.manifest.v1+json',
): Promise<Pushed> {
  const [os, architecture, variant] = platform.split('/') as [string, string, string | undefined];
  const layer = await pushBlob(target, repository, randomBytes(64));
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os,
      ...(variant ? { variant } : {}),
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      config: {},
    }),
  );
  const cfg = await pushBlob(target, repository, config);
  const docker = mediaType.includes('docker');
  const manifest = {
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: docker
        ? 'application/vnd.docker.container.image.v1+json'
        : 'application/vnd.oci.image.config.v1+json',
      digest: cfg.digest,
      size: cfg.size,
    },
    layers: [
      {
        mediaType: docker
          ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
          : 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: layer.digest,
        size: layer.size,
      },
    ],
  };
  const pushed = await pushManifest(
    target,
    repository,
    tag ?? sha256(Buffer.from(JSON.stringify(manifest))),
    mediaType,
    manifest,
  );
  return pushed;
}

/** Push an image per platform and an index listing them under `tag`. */
export async function pushIndex(
  target: PushTarget,
  repository: string,
  tag: string,
  platforms: string[],
  mediaType = 'application/vnd.oci.image.index.v1+json',
): Promise<Pushed> {
  const docker = mediaType.includes('docker');
  const childType = docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const manifests = [];
  for (const platform of platforms) {
    const child = await pushImage(target, repository, platform, undefined, childType);
    const [os, architecture, variant] = platform.split('/') as [string, string, string | undefined];
    manifests.push({
      mediaType: childType,
      digest: child.digest,
      size: child.size,
      platform: { architecture, os, ...(variant ? { variant } : {}) },
    });
  }
  return pushManifest(target, repository, tag, mediaType, { schemaVersion: 2, mediaType, manifests });
}
