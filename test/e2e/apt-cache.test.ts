/**
 * apt downloads land in the `imagespec-apt-cache` cache mount even on bases that ship Docker Hub's
 * `docker-clean` apt hook (Debian and Ubuntu images), and the image keeps that hook. Real build, real mount:
 * the mount is read back with the same throwaway build the cache-mount feature uses.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../src/docker/cli.js';
import { extractMount } from '../../src/mount-cache/copy.js';
import { bundle, runCli } from '../support/bundle.js';
import { DockerClient, removeImages, requireTestbed, type Testbed } from '../support/testbed.js';

const DOCKER_CLEAN = [
  'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'Dir::Cache::pkgcache "";',
  'Dir::Cache::srcpkgcache "";',
].join('\n');

let tb: Testbed;
let root: string;
let client: DockerClient;
const id = randomBytes(3).toString('hex');
const refs: string[] = [];

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-apt-'));
  client = await DockerClient.create();
  await client.login(tb.basic.registry, tb.basic.user, tb.basic.password);
});

afterAll(async () => {
  await removeImages(refs);
  await client.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('apt cache mount', () => {
  it('keeps downloaded packages on a base with docker-clean, and the image keeps docker-clean', async () => {
    // A base like Docker Hub's debian images: docker-clean deletes .deb files after every install.
    const base = `${tb.basic.registry}/apt-base-${id}/debian:clean`;
    const baseDir = path.join(root, 'base');
    await rm(baseDir, { recursive: true, force: true });
    await writeFile(path.join(root, 'docker-clean'), DOCKER_CLEAN);
    await writeFile(
      path.join(root, 'Dockerfile.base'),
      // A base of its own (a unique file), so the apt step below really runs instead of coming from cache.
      `FROM debian:bookworm-slim\nCOPY docker-clean /etc/apt/apt.conf.d/docker-clean\nRUN echo ${id} > /base-id\n`,
    );
    const pushed = await client.build(['--push', '-t', base, '-f', path.join(root, 'Dockerfile.base'), root]);
    expect(pushed.code, pushed.stderr).toBe(0);

    // `bc` is installed by no other test; any .deb of it left in the mount by an earlier run goes first.
    await writeFile(
      path.join(root, 'Dockerfile.clear'),
      `FROM debian:bookworm-slim\nRUN --mount=type=cache,id=imagespec-apt-cache,target=/c,sharing=locked rm -f /c/archives/bc_*.deb && echo ${randomBytes(4).toString('hex')}\n`,
    );
    const cleared = await client.build([
      '--output',
      'type=cacheonly',
      '-f',
      path.join(root, 'Dockerfile.clear'),
      root,
    ]);
    expect(cleared.code, cleared.stderr).toBe(0);
    const dir = path.join(root, 'spec');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'imagespec.yaml'),
      [`name: apt-${id}`, `base_image: ${base}`, 'apt_packages: [bc]', ''].join('\n'),
    );
    const cli = await bundle('cli', root);
    const built = await runCli(cli, ['build', '--no-push', '--cache', 'none', 'imagespec.yaml'], {
      cwd: dir,
      env: client.env,
    });
    expect(built.code, built.stderr).toBe(0);
    const image = built.stdout.trim().split(/[@ ]/)[0] ?? '';
    refs.push(image, base);

    const inImage = await client.docker([
      'run',
      '--rm',
      image,
      'sh',
      '-c',
      'echo 6*7 | bc && test -f /etc/apt/apt.conf.d/docker-clean && echo kept',
    ]);
    expect(inImage.stdout.split('\n')).toEqual(['42', 'kept', '']);

    const out = path.join(root, 'mount');
    await extractMount({ id: 'imagespec-apt-cache', target: '/var/cache/apt' }, out, {
      helperImage: 'debian:bookworm-slim',
      run: async (args) => {
        const r = await docker(args, { env: client.env });
        return { code: r.code, output: r.stdout + r.stderr };
      },
    });
    const debs = await readdir(path.join(out, 'archives'));
    expect(debs.some((f) => /^bc_.*\.deb$/.test(f))).toBe(true);
  });
});
