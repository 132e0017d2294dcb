/**
 * Reading an image's labels from a real registry (src/registry/labels.ts, behind `explain --against`): a single
 * manifest, and an index whose first entry is an attestation manifest (`unknown/unknown`, as buildx pushes
 * provenance) followed by one image per platform. Images are put in the basic-auth registry with plain uploads.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import { LabelsUnavailable, readLabels } from '../../src/registry/labels.js';
import { basicAuth, pushBlob, pushManifest, type PushTarget } from '../support/registry-upload.js';
import { testbed } from '../support/testbed.js';

const tb = testbed();
const target: PushTarget = {
  registry: tb.basic.registry,
  authorization: basicAuth(tb.basic.user, tb.basic.password),
};
const repo = `labels-${randomBytes(3).toString('hex')}/app`;
const client = new RegistryClient({
  explicit: [{ registry: tb.basic.registry, username: tb.basic.user, password: tb.basic.password }],
});
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/** A one-layer image whose config carries `labels`; returns its manifest descriptor. */
async function image(os: string, architecture: string, labels: Record<string, string>, tag?: string) {
  const layer = await pushBlob(target, repo, randomBytes(32));
  const config = await pushBlob(
    target,
    repo,
    Buffer.from(
      JSON.stringify({
        os,
        architecture,
        config: { Labels: labels },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: config.digest,
      size: config.size,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size },
    ],
  };
  const pushed = await pushManifest(
    target,
    repo,
    tag ?? `part-${randomBytes(4).toString('hex')}`,
    OCI,
    manifest,
  );
  return { mediaType: OCI, digest: pushed.digest, size: pushed.size, platform: { os, architecture } };
}

describe('image labels from the registry', () => {
  it('a single image: its config labels', async () => {
    await image('linux', 'amd64', { a: '1' }, 'single');
    expect(await readLabels(client, `${tb.basic.registry}/${repo}:single`)).toEqual({ a: '1' });
  });

  it('an index: the wanted platform, never the attestation listed first', async () => {
    const attestation = await image('unknown', 'unknown', { attestation: 'yes' });
    const amd = await image('linux', 'amd64', { arch: 'amd64' });
    const arm = await image('linux', 'arm64', { arch: 'arm64' });
    const index = 'application/vnd.oci.image.index.v1+json';
    await pushManifest(target, repo, 'multi', index, {
      schemaVersion: 2,
      mediaType: index,
      manifests: [attestation, amd, arm],
    });
    const ref = `${tb.basic.registry}/${repo}:multi`;
    expect(await readLabels(client, ref, 'linux/arm64')).toEqual({ arch: 'arm64' });
    expect(await readLabels(client, ref, 'linux/amd64')).toEqual({ arch: 'amd64' });
    expect(await readLabels(client, ref)).toEqual({ arch: 'amd64' });
  });

  it('a missing image says so', async () => {
    const err = await readLabels(client, `${tb.basic.registry}/${repo}:nothing`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelsUnavailable);
    expect((err as LabelsUnavailable).missing).toBe(true);
  });
});
