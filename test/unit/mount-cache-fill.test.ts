import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planImages } from '../../src/hash/index.js';
import { mountKeys } from '../../src/mount-cache/run.js';
import { renderBuild } from '../../src/render/index.js';
import { loadSpecFile } from '../../src/spec/index.js';

let dir: string;

/** The cache keys of the one image a spec describes, through the real load → hash → render stages. */
async function keysOf(yaml: string): Promise<Record<string, { key: string; restore: string[] }>> {
  const file = path.join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  const [planned] = await planImages(await loadSpecFile(file), { flavor: 'generic' });
  const ctx = await renderBuild(planned!, {});
  return Object.fromEntries(mountKeys(ctx).map((k) => [k.mount.id, { key: k.key, restore: k.restoreKeys }]));
}

const spec = (packages: string[], apt: string[]): string =>
  [
    'name: app',
    'registry: ghcr.io/acme',
    'python_installer: pip',
    `packages: [${packages.join(', ')}]`,
    `apt_packages: [${apt.join(', ')}]`,
    '',
  ].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-mount-fill-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('what fills each cache mount', () => {
  it('keys every mount the rendered Dockerfile uses', async () => {
    const keys = await keysOf(spec(['numpy'], ['jq']));
    expect(Object.keys(keys).sort()).toEqual(['imagespec-apt-cache', 'imagespec-apt-lists', 'imagespec-pip']);
    expect(keys['imagespec-pip']?.restore).toEqual([
      'imagespec-mount-ghcr.io_acme_app-linux_amd64-imagespec-pip-',
    ]);
  });

  it('a new Python package changes the pip key only, and the restore key still finds the old entry', async () => {
    const before = await keysOf(spec(['numpy'], ['jq']));
    const after = await keysOf(spec(['numpy', 'pandas'], ['jq']));
    expect(after['imagespec-pip']?.key).not.toBe(before['imagespec-pip']?.key);
    expect(after['imagespec-pip']?.restore).toEqual(before['imagespec-pip']?.restore);
    expect(after['imagespec-apt-cache']).toEqual(before['imagespec-apt-cache']);
    expect(after['imagespec-apt-lists']).toEqual(before['imagespec-apt-lists']);
  });

  it('a new system package changes the apt keys only', async () => {
    const before = await keysOf(spec(['numpy'], ['jq']));
    const after = await keysOf(spec(['numpy'], ['jq', 'curl']));
    expect(after['imagespec-apt-cache']?.key).not.toBe(before['imagespec-apt-cache']?.key);
    expect(after['imagespec-apt-lists']?.key).not.toBe(before['imagespec-apt-lists']?.key);
    expect(after['imagespec-pip']).toEqual(before['imagespec-pip']);
  });
});
