/**
 * Concurrent runs of one new spec converge: N `imagespec build --push` runs of the same spec start together,
 * wave after wave (a new spec each wave). Every run exits 0, the content tag ends as one valid image, and
 * each run either pushed it or reports it pushed by a concurrent run. The builds are not bit-reproducible
 * (a timestamp in a layer), so every push is a different digest: how many digests the tag had is printed
 * per wave. A run that finds the tag written right before its push leaves it alone, so that number stays
 * near 1 instead of N.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, runCli } from '../support/bundle.js';
import { basicAuth, pushImage } from '../support/registry-upload.js';
import {
  MANIFEST_ACCEPT,
  pruneBuildRecords,
  run as runCommand,
  testbed,
  writeTree,
  cliEnv,
  dockerConfigWithLogin,
} from '../support/testbed.js';

const tb = testbed();
const BASIC = tb.basic.registry;
const AUTH = `Basic ${Buffer.from(`${tb.basic.user}:${tb.basic.password}`).toString('base64')}`;
const RUNS = 4;
const WAVES = Number(process.env.IMAGESPEC_WAVES ?? 5);
const run = randomUUID().slice(0, 8);
let work: string;
let cli: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-concurrent-'));
  cli = await bundle('cli', work);
  env = cliEnv(await dockerConfigWithLogin(work));
}, 120_000);

afterAll(async () => {
  await pruneBuildRecords(run);
  await rm(work, { recursive: true, force: true });
});

async function manifest(
  repository: string,
  reference: string,
): Promise<{ status: number; digest?: string; body?: unknown }> {
  const res = await fetch(`http://${BASIC}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: MANIFEST_ACCEPT, authorization: AUTH },
  });
  if (!res.ok) return { status: res.status };
  return {
    status: res.status,
    digest: res.headers.get('docker-content-digest') ?? undefined,
    body: await res.json(),
  };
}

describe('concurrent runs of one spec', () => {
  it(`${RUNS} runs at once, ${WAVES} waves: all exit 0, one valid image under the content tag`, async () => {
    const counts: number[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const repository = `imagespec-e2e-concurrent-${run}`;
      const yaml = [
        `name: wave${wave}`,
        `registry: ${BASIC}/${repository}`,
        'base_image: debian:bookworm-slim',
        'commands:',
        `  - echo ${run}-${wave} > /wave`,
        // Not reproducible: every run's image has its own digest.
        '  - date +%s%N > /built-at',
        '',
      ].join('\n');
      const spec = path.join(
        await writeTree(path.join(work, `wave${wave}`), { 'imagespec.yaml': yaml }),
        'imagespec.yaml',
      );
      const results = await Promise.all(
        Array.from({ length: RUNS }, () =>
          runCli(cli, ['build', '--push', '--cache', 'none', spec], { env, cwd: work }),
        ),
      );
      for (const r of results) {
        expect(r.code, r.stderr.slice(-3000)).toBe(0);
        expect(r.stderr).not.toMatch(/already exists/);
      }
      const lines = results.map((r) => r.stdout.trim().split('\n')[0]!);
      const refs = new Set(lines.map((l) => l.split('@')[0]));
      expect(refs.size).toBe(1);
      const reference = [...refs][0]!;
      const tag = reference.slice(reference.lastIndexOf(':') + 1);
      const pushers = lines.filter((l) => !l.endsWith('(exists)'));
      const pushedDigests = new Set(pushers.map((l) => l.split('@')[1]!.split(' ')[0]));
      expect(pushers.length).toBeGreaterThanOrEqual(1);
      // The runs that did not push say why: the tag was there at the plan, or pushed by a concurrent run.
      for (const r of results.filter((x) => x.stdout.includes('(exists)'))) {
        expect(r.stderr).toMatch(/skipping \(exists\)|pushed by a concurrent run/);
      }
      const final = await manifest(`${repository}/wave${wave}`, tag);
      expect(final.status).toBe(200);
      expect(pushedDigests.has(final.digest!)).toBe(true);
      expect(
        (final.body as { config?: unknown; manifests?: unknown }).config ??
          (final.body as { manifests?: unknown }).manifests,
      ).toBeDefined();
      counts.push(pushedDigests.size);
    }
    console.log(`digests the content tag had, per wave of ${RUNS} concurrent runs: ${counts.join(', ')}`);
    expect(counts).toHaveLength(WAVES);
  }, 900_000);

  it('a build that fails while another run pushes the content tag succeeds with that image, with a warning', async () => {
    const repository = `imagespec-e2e-concurrent-${run}`;
    const yaml = [
      'name: failing',
      `registry: ${BASIC}/${repository}`,
      'base_image: debian:bookworm-slim',
      'commands:',
      // Fails, but only after the other run's push below has landed.
      `  - sleep 6 && echo ${run} && exit 3`,
      '',
    ].join('\n');
    const spec = path.join(
      await writeTree(path.join(work, 'failing'), { 'imagespec.yaml': yaml }),
      'imagespec.yaml',
    );
    const tagged = await runCli(cli, ['tag', spec], { env, cwd: work });
    expect(tagged.code, tagged.stderr).toBe(0);
    const reference = tagged.stdout.trim();
    const tag = reference.slice(reference.lastIndexOf(':') + 1);
    const building = runCli(cli, ['build', '--push', '--cache', 'none', spec], { env, cwd: work });
    await new Promise((done) => setTimeout(done, 2000));
    const other = await pushImage(
      { registry: BASIC, authorization: basicAuth(tb.basic.user, tb.basic.password) },
      `${repository}/failing`,
      'linux/amd64',
      tag,
    );
    const out = await building;
    expect(out.code, out.stderr.slice(-3000)).toBe(0);
    expect(out.stdout.trim()).toBe(`${reference}@${other.digest} (exists)`);
    expect(out.stderr).toMatch(
      /pushed by a concurrent run; this run's build failed: images\.failing: build failed at step/,
    );
    expect((await manifest(`${repository}/failing`, tag)).digest).toBe(other.digest);
  }, 300_000);

  it('a registry that refuses the staging tag still gets the image, under the content tag', async () => {
    // A docker shim refuses pushes under the staging tag, as a registry with immutable tags refuses one that
    // an earlier run left behind; every other docker call runs the real CLI.
    const real = (await runCommand('/bin/sh', ['-c', 'command -v docker'], { env })).stdout.trim();
    expect(real).toMatch(/docker$/);
    const shimDir = path.join(work, 'shim');
    await mkdir(shimDir, { recursive: true });
    await writeFile(
      path.join(shimDir, 'docker'),
      `#!/bin/sh\ncase "$*" in *-staging,push=true*) echo "ERROR: failed to push: tag invalid: the tag is immutable" >&2; exit 1;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const repository = `imagespec-e2e-concurrent-${run}`;
    const yaml = [
      'name: immutable',
      `registry: ${BASIC}/${repository}`,
      'base_image: debian:bookworm-slim',
      'commands:',
      `  - echo ${run} > /immutable`,
      '',
    ].join('\n');
    const spec = path.join(
      await writeTree(path.join(work, 'immutable'), { 'imagespec.yaml': yaml }),
      'imagespec.yaml',
    );
    const out = await runCli(cli, ['build', '--push', '--cache', 'none', spec], {
      env: { ...env, PATH: `${shimDir}:${env.PATH ?? ''}` },
      cwd: work,
    });
    expect(out.code, out.stderr.slice(-3000)).toBe(0);
    expect(out.stderr).toMatch(
      /pushing under the staging tag failed \(.*tag is immutable\); pushing the content tag directly/,
    );
    const [reference, digest] = out.stdout.trim().split('@') as [string, string];
    const tag = reference.slice(reference.lastIndexOf(':') + 1);
    expect((await manifest(`${repository}/immutable`, tag)).digest).toBe(digest.split(' ')[0]);
    expect((await manifest(`${repository}/immutable`, `${tag}-staging`)).status).toBe(404);
  }, 300_000);
});
