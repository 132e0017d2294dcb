/**
 * A registry with TLS from a private CA, on loopback (test/support/tls-registry.ts), seen by the action and the
 * CLI. Without the CA every check fails with an error that names the fix; with the CA in the BuildKit
 * configuration (`buildkitd-config`, `--buildkitd-config`) the checks speak TLS to it and get real answers.
 *
 * The docker-container builder that buildkitd-config configures cannot start here (its moby/buildkit image
 * comes from Docker Hub), but real buildx records what it was created with: the configuration with the CA paths
 * rewritten to the builder's /etc/buildkit/certs/ and the CA files themselves, which it copies in when the builder
 * starts. That record is checked.
 *
 * What this cannot show here: pushing to the TLS registry. The `docker` driver takes registry settings from the
 * engine, which treats every loopback registry as insecure and pushes without checking the certificate (with the
 * classic and the containerd image store alike), so its outcome says nothing about the CA (see docs/build.md).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionBundle } from '../support/action-runner.js';
import { pushImage } from '../support/registry-upload.js';
import { createContainerBuilder, removeBuilder } from '../../src/build/builder.js';
import { loadBuildkitdConfig } from '../../src/buildkitd/config.js';
import { parse } from 'smol-toml';
import { requireTestbed, run, type Testbed } from '../support/testbed.js';
import { startTlsRegistry, type TlsRegistry } from '../support/tls-registry.js';

const cli = path.resolve(import.meta.dirname, '../../dist/cli.js');
const marker = `tls-e2e-${randomBytes(4).toString('hex')}`;
let tb: Testbed;
let root: string;
let ws: string;
let reg: TlsRegistry;

const imagespec = (...args: string[]) =>
  run(tb.node24, [cli, ...args], {
    cwd: ws,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_CONFIG: path.join(root, 'docker-config') },
  });

async function planOf(
  ...extra: string[]
): Promise<{ existence: string; reason: string; digest?: string; tag: string }> {
  const out = await imagespec('plan', ...extra, 'imagespec.yaml');
  expect(out.code, out.stderr).toBe(0);
  return (
    JSON.parse(out.stdout) as Array<{ existence: string; reason: string; digest?: string; tag: string }>
  )[0]!;
}

const catalog = async (): Promise<string[]> =>
  ((await (await fetch(`http://${reg.plain}/v2/_catalog`)).json()) as { repositories: string[] })
    .repositories;

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-tls-e2e-'));
  ws = path.join(root, 'ws');
  await mkdir(path.join(ws, 'certs'), { recursive: true });
  await mkdir(path.join(root, 'docker-config'));
  reg = await startTlsRegistry(path.join(root, 'registry'));
  await copyFile(reg.caFile, path.join(ws, 'certs/ca.pem'));
  await writeFile(
    path.join(ws, 'imagespec.yaml'),
    [
      'name: app',
      `registry: ${reg.host}/${marker}`,
      `base_image: ${tb.mirror}/library/debian:bookworm-slim`,
      `commands: ["echo ${marker} > /marker"]`,
      '',
    ].join('\n'),
  );
  await writeFile(path.join(ws, 'buildkitd.toml'), `[registry."${reg.host}"]\n  ca = ["certs/ca.pem"]\n`);
}, 60_000);

afterAll(async () => {
  await reg?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('a registry with a private CA', () => {
  it('without the CA: plan cannot tell and names the fix; the action stops before building anything', async () => {
    const line = await planOf();
    expect(line.existence).toBe('unknown');
    expect(line.reason).toContain(`${reg.host} serves HTTPS`);
    expect(line.reason).toContain(`[registry."${reg.host}"] ca = ["path/to/ca.pem"]`);

    const res = await runActionBundle(tb, {
      workspace: ws,
      root,
      inputs: { cache: 'none', provenance: 'false', push: 'true' },
      env: { DOCKER_CONFIG: path.join(root, 'docker-config'), GITHUB_REF_NAME: marker },
    });
    expect(res.code).not.toBe(0);
    expect(res.log).toContain('buildkitd-config');
    expect(res.log).toContain(`[registry."${reg.host}"] ca`);
    expect(res.log).not.toContain('docker buildx build');
    expect(await catalog()).toEqual([]);
  }, 120_000);

  it('with the CA in the BuildKit configuration: the checks speak TLS to it and get real answers', async () => {
    const missing = await planOf('--buildkitd-config', 'buildkitd.toml');
    expect(missing.existence, missing.reason).toBe('missing');

    const pushed = await pushImage({ registry: reg.plain }, `${marker}/app`, 'linux/amd64', missing.tag);
    const found = await planOf('--buildkitd-config', 'buildkitd.toml');
    expect(found.existence, found.reason).toBe('exists');
    expect(found.digest).toBe(pushed.digest);

    // The action, given the same file: the tag exists, so nothing is built; the outputs carry the digest.
    const res = await runActionBundle(tb, {
      workspace: ws,
      root,
      inputs: { cache: 'none', provenance: 'false', push: 'true', 'buildkitd-config': 'buildkitd.toml' },
      env: { DOCKER_CONFIG: path.join(root, 'docker-config'), GITHUB_REF_NAME: marker },
    });
    expect(res.code, res.log).toBe(0);
    expect(res.outputs.existed).toBe('true');
    expect(res.outputs.digest).toBe(pushed.digest);
    expect(res.outputs.built).toBe('false');
  }, 120_000);

  it('a CA file the configuration names but that is missing stops the run at once, naming the input', async () => {
    const res = await runActionBundle(tb, {
      workspace: ws,
      root,
      inputs: { 'buildkitd-config-inline': `[registry."${reg.host}"]\nca = ["certs/missing.pem"]\n` },
      env: { DOCKER_CONFIG: path.join(root, 'docker-config'), GITHUB_REF_NAME: marker },
    });
    expect(res.code).not.toBe(0);
    expect(res.log).toContain(
      `input 'buildkitd-config-inline': registry."${reg.host}".ca: cannot read ${path.join(ws, 'certs/missing.pem')}`,
    );
    expect(res.log).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('the builder imagespec creates gets the CA: buildx records the rewritten configuration and the CA file', async () => {
    const config = await loadBuildkitdConfig({
      file: 'buildkitd.toml',
      insecure: ['registry.plain:80'],
      baseDir: ws,
    });
    const buildx = path.join(root, 'buildx-store');
    const env = { ...process.env, DOCKER_CONFIG: path.join(root, 'docker-config'), BUILDX_CONFIG: buildx };
    const name = `imagespec-${marker}`;
    try {
      // Starting it needs moby/buildkit from Docker Hub: offline that fails after buildx stored the builder.
      await createContainerBuilder(name, { config: config.toml, env }).catch(() => undefined);
      const instance = JSON.parse(await readFile(path.join(buildx, 'instances', name), 'utf8')) as {
        Driver: string;
        Nodes: Array<{ Files: Record<string, string> }>;
      };
      expect(instance.Driver).toBe('docker-container');
      const files = instance.Nodes[0]!.Files;
      const dir = reg.host.replace(/[^a-zA-Z0-9.-]+/g, '_');
      expect(parse(Buffer.from(files['buildkitd.toml']!, 'base64').toString())).toEqual({
        registry: {
          [reg.host]: { ca: [`/etc/buildkit/certs/${dir}/ca.pem`] },
          'registry.plain:80': { http: true, insecure: true },
        },
      });
      const ca = Buffer.from(files[`certs/${dir}/ca.pem`]!, 'base64').toString();
      expect(ca).toBe(await readFile(reg.caFile, 'utf8'));
    } finally {
      await removeBuilder(name, env);
    }
  }, 120_000);
});
