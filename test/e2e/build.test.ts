/**
 * `imagespec build` end to end on the testbed: real buildx on the real engine, pushes to the basic-auth
 * registry, packages from the loopback index (RUN steps use host networking), the GitHub Actions cache
 * double for gha. Every image and cache record a test makes carries a unique run id and is removed after.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, runCli } from '../support/bundle.js';
import {
  headManifest,
  pruneBuildRecords,
  run as runCommand,
  testbed,
  writeTree,
  type RunResult,
  cliEnv,
  dockerConfigWithLogin,
} from '../support/testbed.js';

const tb = testbed();
const MIRROR = tb.mirror;
const BASIC = tb.basic.registry;
const USER = tb.basic.user;
const PASSWORD = tb.basic.password;
const INDEX = tb.index.url;
const CACHE_URL = tb.cache.url;
const CACHE_TOKEN = tb.cache.token;
const TESTBED_DIR = tb.dir;

const run = randomUUID().slice(0, 8);
let work: string;
let cli: string;
let dockerConfig: string;
let env: NodeJS.ProcessEnv;
const cleanupRefs: string[] = [];

const sh = (cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  runCommand(cmd, args, { cwd: work, env: { ...env, ...extraEnv } });
const imagespec = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runCli(cli, args, { cwd: work, env: { ...env, ...extraEnv } });
const docker = (...args: string[]) => sh('docker', ['--config', dockerConfig, ...args]);

/** Writes a spec directory under the work dir and returns the spec path. */
async function specDir(name: string, yaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await writeTree(path.join(work, name), { ...files, 'imagespec.yaml': yaml });
  return path.join(dir, 'imagespec.yaml');
}

/** `REFERENCE@DIGEST` lines printed by `imagespec build`. */
function built(stdout: string): Array<{ ref: string; digest: string }> {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [ref, digest] = l.split(' ')[0]!.split('@');
      return { ref: ref!, digest: digest ?? '' };
    });
}

async function manifestStatus(ref: string): Promise<number> {
  const [host, ...rest] = ref.split('/');
  const [name, tag] = rest.join('/').split(':');
  const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  return (await headManifest(host!, name!, tag!, authorization)).status;
}

/** Every file under a directory, decompressed when gzip, searched for a needle. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = path.join(d, name);
      const st = await stat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile()) {
        let data = await readFile(p);
        if (data[0] === 0x1f && data[1] === 0x8b) {
          try {
            data = gunzipSync(data);
          } catch {
            // not a complete gzip stream; search the raw bytes
          }
        }
        if (data.includes(needle)) hits.push(p);
      }
    }
  };
  await walk(dir);
  return hits;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-build-'));
  cli = await bundle('cli', work);
  dockerConfig = await dockerConfigWithLogin(work);
  // No GitHub Actions runtime unless a test adds it: gha then falls back to no cache, with a warning.
  env = cliEnv(dockerConfig);
  for (const k of [
    'ACTIONS_CACHE_URL',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_RESULTS_URL',
    'ACTIONS_CACHE_SERVICE_V2',
  ]) {
    delete env[k];
  }
}, 120_000);

afterAll(async () => {
  for (const ref of cleanupRefs) await sh('docker', ['rmi', '-f', ref]);
  await pruneBuildRecords(run);
  await rm(work, { recursive: true, force: true });
});

describe('imagespec build', () => {
  it('builds everything the spec declares with pip from the loopback index, pushes, reports the digest', async () => {
    const registry = `${BASIC}/imagespec-e2e-build-${run}`;
    const spec = await specDir(
      'full',
      [
        `name: full`,
        `registry: ${registry}`,
        // Debian's python3 with the PEP 668 marker: the install step must switch to a venv by itself.
        `base_image: ${MIRROR}/testbed/debian-python3:bookworm`,
        'python_installer: pip',
        'apt_packages: [jq]',
        'packages: [tb-hello]',
        'requirements: requirements.txt',
        `pip_index: ${INDEX}`,
        'builder_options: {network: host}',
        'env: {GREETING: "hello from full", RUN_ID: ' + JSON.stringify(run) + '}',
        'copy: [data]',
        'source_root: src',
        'commands:',
        '  - jq --version > /jq-version.txt',
        '  - python -c "import tb_math; print(tb_math.__name__)" > /commands.txt',
        'entrypoint: ["python", "-c", "import os, tb_hello; print(\'entry:\' + os.environ[\'GREETING\'])"]',
        '',
      ].join('\n'),
      {
        'requirements.txt': 'tb-math\n',
        'data/table.csv': 'a,b\n',
        'src/app/main.py': 'print("main")\n',
        'src/.dockerignore': 'private.txt\n',
        'src/private.txt': 'must not be copied\n',
      },
    );
    const out = await imagespec(['build', '--cache', 'none', spec]);
    expect(out.code, out.stderr).toBe(0);
    const [image] = built(out.stdout);
    expect(image!.ref.startsWith(`${registry}/full:`)).toBe(true);
    expect(image!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await manifestStatus(image!.ref)).toBe(200);
    const ref = `${image!.ref.split(':').slice(0, -1).join(':')}@${image!.digest}`;
    cleanupRefs.push(ref);

    const entry = await docker('run', '--rm', ref);
    expect(entry.stdout.trim()).toBe('entry:hello from full');
    const check = await docker(
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      ref,
      '-c',
      [
        'jq -n 1+1',
        'cat /jq-version.txt /commands.txt',
        'python -c "import tb_hello, tb_math, sys; print(sys.prefix)"',
        'echo "$GREETING"',
        'cat /root/data/table.csv /root/app/main.py',
        'test ! -e /root/private.txt && echo no-private',
      ].join(' && '),
    );
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout.split('\n')).toEqual([
      '2',
      'jq-1.6',
      'tb_math',
      '/opt/venv',
      'hello from full',
      'a,b',
      'print("main")',
      'no-private',
      '',
    ]);
    const inspect = await docker('image', 'inspect', ref, '--format', '{{json .Config.Labels}}');
    expect(JSON.parse(inspect.stdout)).toMatchObject({ 'dev.imagespec.spec-hash': expect.any(String) });
    // Without the GitHub Actions runtime, gha is not silently dropped: the user is told.
    const again = await imagespec(['build', '--cache', 'gha', '--force', spec]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("cache 'gha' not used: ACTIONS_RUNTIME_TOKEN is not set");
    // The image exists now: a plain build skips it.
    const skip = await imagespec(['build', spec]);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain('(exists)');
  });

  it('uses a pip secret in the build and leaves it in no layer, config, log or cache export', async () => {
    const secret = `s3cr3t-${randomUUID()}`;
    const index = new URL(INDEX);
    const pipConf = `[global]\nindex-url = http://token:${secret}@${index.host}${index.pathname}\n`;
    const spec = await specDir(
      'secret',
      [
        'name: secret',
        `base_image: ${MIRROR}/library/python:3.11-slim-bookworm`,
        'python_installer: pip',
        'packages: [tb-hello]',
        'builder_options: {network: host}',
        'pip_secret_mounts: [[pip.conf, /etc/pip.conf]]',
        `commands: ["echo ${run} > /run-id"]`,
        '',
      ].join('\n'),
      { 'pip.conf': pipConf },
    );
    const ghaEnv = { ACTIONS_CACHE_URL: CACHE_URL, ACTIONS_RUNTIME_TOKEN: CACHE_TOKEN };
    const out = await imagespec(
      ['build', '--cache', 'gha', '--cache-prefix', `secret-${run}-`, spec],
      ghaEnv,
    );
    expect(out.code, out.stderr).toBe(0);
    const [image] = built(out.stdout);
    cleanupRefs.push(image!.ref);
    // Used: without /etc/pip.conf pip would look for tb-hello on an unreachable PyPI.
    const run1 = await docker('run', '--rm', image!.ref, 'python3', '-c', 'import tb_hello; print("ok")');
    expect(run1.stdout.trim()).toBe('ok');
    expect(
      await docker('run', '--rm', image!.ref, 'test', '-e', '/etc/pip.conf').then((r) => r.code),
    ).not.toBe(0);
    // Not in the log, the image config or history, any layer, or the cache export.
    expect(out.stdout + out.stderr).not.toContain(secret);
    const config = await docker('image', 'inspect', image!.ref);
    expect(config.stdout).not.toContain(secret);
    const history = await docker('history', '--no-trunc', image!.ref);
    expect(history.stdout).not.toContain(secret);
    const saved = path.join(work, 'secret-image');
    await mkdir(saved);
    const tar = await docker('save', '-o', path.join(work, 'secret.tar'), image!.ref);
    expect(tar.code, tar.stderr).toBe(0);
    await sh('tar', ['-xf', path.join(work, 'secret.tar'), '-C', saved]);
    expect((await readdir(path.join(saved, 'blobs', 'sha256'))).length).toBeGreaterThan(2);
    expect(await filesContaining(saved, secret)).toEqual([]);
    const cacheDir = path.join(TESTBED_DIR, 'cache-service');
    if (tb.store === 'containerd') {
      // The export happened (its entries hold this run's layers), and the secret is in none of them.
      expect(out.stderr).not.toContain('did not complete');
      expect(existsSync(cacheDir)).toBe(true);
      expect(await filesContaining(cacheDir, run)).not.toEqual([]);
    } else {
      // The classic store's docker driver exports no cache (docs/build.md); nothing of this run reached it.
      expect(out.stderr).toMatch(/cache 'gha' not used: .*cannot export a cache/);
    }
    expect(await filesContaining(cacheDir, secret)).toEqual([]);
  });

  /**
   * The GitHub runtime a build sees: cache service v2 as github.com serves it (twirp + blob), or v1 as GitHub
   * Enterprise Server still does.
   */
  const ghaRuntime = (version: 'v1' | 'v2', token = CACHE_TOKEN): NodeJS.ProcessEnv =>
    version === 'v2'
      ? {
          ACTIONS_CACHE_SERVICE_V2: 'true',
          ACTIONS_RESULTS_URL: tb.cache.resultsUrl,
          ACTIONS_RUNTIME_TOKEN: token,
        }
      : { ACTIONS_CACHE_URL: CACHE_URL, ACTIONS_RUNTIME_TOKEN: token };

  /**
   * Whether a RUN step was answered from cache: BuildKit prints `CACHED`, or, for a step whose layer
   * comes from the remote cache, only the layer download (`sha256:... done`) and never runs the command.
   */
  const stepCached = (log: string, step: string): boolean => {
    const vertex = new RegExp(`#(\\d+) \\[[^\\]]+\\] RUN .*echo ${step}`).exec(log);
    expect(vertex, step).not.toBeNull();
    const body = log
      .split('\n')
      .filter((l) => l.startsWith(`#${vertex![1]} `))
      .map((l) => l.slice(`#${vertex![1]} `.length))
      .filter((l) => !l.startsWith('['));
    if (body.includes('CACHED')) return true;
    const downloads = body.filter((l) => /^(sha256:[0-9a-f]{64} .*done|extracting sha256:)/.test(l));
    const others = body.filter((l) => !/^DONE /.test(l) && !downloads.includes(l));
    return downloads.length > 0 && others.length === 0;
  };

  // The `docker` driver exports caches only with the containerd image store; the classic store's behaviour is
  // tested below (the cache is dropped with a warning).
  for (const version of ['v2', 'v1'] as const) {
    it.skipIf(tb.store === 'classic')(
      `gha round trip over cache service ${version}: after removing the image and its build records, no RUN step runs again`,
      async () => {
        const spec = await specDir(
          `gha-${version}`,
          [
            `name: gha-${version}`,
            `base_image: ${MIRROR}/library/debian:bookworm-slim`,
            'commands:',
            // Each step's own side effect: a value no second execution can reproduce.
            `  - echo first-${version}-${run} && cat /proc/sys/kernel/random/uuid > /first`,
            `  - echo second-${version}-${run} && cat /proc/sys/kernel/random/uuid > /second`,
            '',
          ].join('\n'),
        );
        const ghaEnv = ghaRuntime(version);
        const args = ['build', '--cache', 'gha', '--cache-prefix', `rt-${version}-${run}-`, '--force', spec];
        const before = (await readFile(tb.cache.log, 'utf8')).length;
        const cold = await imagespec(args, ghaEnv);
        expect(cold.code, cold.stderr).toBe(0);
        expect(cold.stderr).toMatch(/exporting to GitHub Actions Cache/);
        expect(cold.stderr).not.toContain('did not complete');
        if (version === 'v2') expect(cold.stderr).toMatch(/--cache-to type=gha,scope=[^ ]*,version=2,/);
        // The export went through the protocol asked for.
        const requests = (await readFile(tb.cache.log, 'utf8')).slice(before);
        expect(requests).toContain(version === 'v2' ? 'CreateCacheEntry' : '_apis/artifactcache/caches');
        const [image] = built(cold.stdout);
        const first = (await docker('run', '--rm', image!.ref, 'cat', '/first', '/second')).stdout;
        expect(first).toMatch(/^[0-9a-f-]{36}\n[0-9a-f-]{36}\n$/);
        expect(stepCached(cold.stderr, `first-${version}-${run}`)).toBe(false);
        await sh('docker', ['rmi', '-f', image!.ref]);
        expect(await pruneBuildRecords(run)).toBeGreaterThan(0);

        const warm = await imagespec(args, ghaEnv);
        expect(warm.code, warm.stderr).toBe(0);
        cleanupRefs.push(image!.ref);
        expect(warm.stderr).toMatch(/importing cache manifest from gha/);
        expect(stepCached(warm.stderr, `first-${version}-${run}`)).toBe(true);
        expect(stepCached(warm.stderr, `second-${version}-${run}`)).toBe(true);
        // Had either step run again, its file would hold a new random value.
        expect((await docker('run', '--rm', image!.ref, 'cat', '/first', '/second')).stdout).toBe(first);
      },
    );
  }

  it.skipIf(tb.store === 'classic')(
    'a refused cache export (read-only token, as for untrusted triggers) leaves the build green with one warning',
    async () => {
      const spec = await specDir(
        'readonly',
        [
          'name: readonly',
          `base_image: ${MIRROR}/library/debian:bookworm-slim`,
          `commands: ["echo readonly-${run} > /ro"]`,
          '',
        ].join('\n'),
      );
      const before = (await readFile(tb.cache.log, 'utf8')).length;
      const out = await imagespec(
        ['build', '--cache', 'gha', '--cache-prefix', `ro-${run}-`, '--force', spec],
        ghaRuntime('v2', tb.cache.readOnlyToken),
      );
      expect(out.code, out.stderr).toBe(0);
      cleanupRefs.push(built(out.stdout)[0]!.ref);
      const refused = (await readFile(tb.cache.log, 'utf8'))
        .slice(before)
        .split('\n')
        .filter((l) => l.includes('CreateCacheEntry'));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((l) => l.includes('"status":403'))).toBe(true);
      const warnings = out.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/cache export to gha did not complete/);
      expect((await docker('run', '--rm', built(out.stdout)[0]!.ref, 'cat', '/ro')).stdout.trim()).toBe(
        `readonly-${run}`,
      );
    },
  );

  it.skipIf(tb.store === 'containerd')(
    'classic image store, no builder it can create: builds and pushes without the cache and attestations, one warning each',
    async () => {
      const registry = `${BASIC}/imagespec-e2e-classic-${run}`;
      const spec = await specDir(
        'classic',
        [
          'name: classic',
          `registry: ${registry}`,
          `base_image: ${MIRROR}/library/debian:bookworm-slim`,
          `commands: ["echo classic-${run} > /classic"]`,
          '',
        ].join('\n'),
      );
      const out = await imagespec(
        ['build', '--cache', 'gha', '--cache-prefix', `classic-${run}-`, '--sbom', '--push', spec],
        ghaRuntime('v2'),
      );
      expect(out.code, out.stderr).toBe(0);
      const [image] = built(out.stdout);
      cleanupRefs.push(image!.ref);
      expect(image!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await manifestStatus(image!.ref)).toBe(200);
      const warnings = out.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      // The builder could not be created (its image is not reachable), then one warning per thing dropped.
      expect(
        warnings.filter((w) => /could not (create|start) the docker-container builder 'imagespec'/.test(w)),
      ).toHaveLength(1);
      expect(
        warnings.filter((w) => /^warning: cache 'gha' not used: .*cannot export a cache/.test(w)),
      ).toHaveLength(1);
      expect(warnings.filter((w) => /^warning: provenance attestation not attached/.test(w))).toHaveLength(1);
      expect(warnings.filter((w) => /^warning: SBOM attestation not attached/.test(w))).toHaveLength(1);
      expect(out.stderr).not.toContain('Attestation is not supported');
      expect(out.stderr).not.toMatch(/--cache-(to|from)/);
      const pulled = await docker('run', '--rm', image!.ref, 'cat', '/classic');
      expect(pulled.stdout.trim()).toBe(`classic-${run}`);
    },
  );

  it('builds a layered file in order: the child starts from the freshly pushed parent', async () => {
    const registry = `${BASIC}/imagespec-e2e-layers-${run}`;
    const spec = await specDir(
      'layers',
      [
        'images:',
        '  child:',
        '    base_image: parent',
        `    registry: ${registry}`,
        '    commands: ["python3 -c \\"import tb_hello\\" && echo child > /child"]',
        '  parent:',
        `    base_image: ${MIRROR}/library/python:3.11-slim-bookworm`,
        `    registry: ${registry}`,
        '    python_installer: pip',
        '    packages: [tb-hello]',
        `    pip_index: ${INDEX}`,
        '    builder_options: {network: host}',
        '',
      ].join('\n'),
    );
    const out = await imagespec(['build', '--cache', 'none', spec]);
    expect(out.code, out.stderr).toBe(0);
    const [parent, child] = built(out.stdout);
    expect(parent!.ref).toContain('/parent:');
    expect(child!.ref).toContain('/child:');
    expect(out.stderr).toContain(`FROM ${parent!.ref}`.replace('FROM ', ''));
    const childRef = `${child!.ref.split(':').slice(0, -1).join(':')}@${child!.digest}`;
    cleanupRefs.push(childRef, `${parent!.ref.split(':').slice(0, -1).join(':')}@${parent!.digest}`);
    const r = await docker('run', '--rm', childRef, 'sh', '-c', 'cat /child && python3 -c "import tb_hello"');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('child');
  });

  it('installs packages given with an installer option line, as flytekit does with its requirements file', async () => {
    const spec = await specDir(
      'pip-options',
      [
        'name: pip-options',
        `base_image: ${MIRROR}/library/python:3.11-slim-bookworm`,
        'python_installer: pip',
        // No pip_index: the option line in packages is what points the installer at the index.
        `packages: ["--index-url ${INDEX}", tb-hello]`,
        'builder_options: {network: host}',
        '',
      ].join('\n'),
    );
    const out = await imagespec(['build', '--cache', 'none', spec]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('-r /tmp/imagespec/packages.txt');
    const [image] = built(out.stdout);
    cleanupRefs.push(image!.ref);
    const r = await docker(
      'run',
      '--rm',
      image!.ref,
      'python',
      '-c',
      'import tb_hello; print(tb_hello.__name__)',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('tb_hello');
  });

  it('keeps hostile spec values as data in a real build', async () => {
    const hostile = `"; touch /pwned; echo "$(touch /pwned2) \`id\` $HOME \${PATH} $$ \\ ${run}`;
    const spec = await specDir(
      'inject',
      [
        'name: inject',
        `base_image: ${MIRROR}/library/debian:bookworm-slim`,
        `env: {VALUE: ${JSON.stringify(hostile)}}`,
        `labels: {org.example.value: ${JSON.stringify(hostile)}}`,
        `entrypoint: ["sh", "-c", "printf %s \\"$VALUE\\"; ls /pwned /pwned2 2>/dev/null; true", ${JSON.stringify(hostile)}]`,
        '',
      ].join('\n'),
    );
    const out = await imagespec(['build', '--cache', 'none', spec]);
    expect(out.code, out.stderr).toBe(0);
    const [image] = built(out.stdout);
    cleanupRefs.push(image!.ref);
    const r = await docker('run', '--rm', image!.ref);
    expect(r.stdout).toBe(hostile);
    const labels = await docker('image', 'inspect', image!.ref, '--format', '{{json .Config.Labels}}');
    expect(JSON.parse(labels.stdout)['org.example.value']).toBe(hostile);
  });

  it('a failing command fails the build, names the step and pushes nothing', async () => {
    const registry = `${BASIC}/imagespec-e2e-fail-${run}`;
    const spec = await specDir(
      'fail',
      [
        'name: fail',
        `registry: ${registry}`,
        `base_image: ${MIRROR}/library/debian:bookworm-slim`,
        'commands:',
        `  - echo "about to fail ${run}" && exit 7`,
        '',
      ].join('\n'),
    );
    const tag = await imagespec(['tag', spec]);
    const ref = tag.stdout.trim();
    const out = await imagespec(['build', '--cache', 'none', spec]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('images.fail: build failed at step');
    expect(out.stderr).toContain(`exit 7`);
    expect(out.stderr).toContain(`about to fail ${run}`);
    expect(out.stderr).toContain('Nothing was pushed.');
    expect(out.stderr).not.toMatch(/\n\s+at .*\.(ts|js|mjs):\d+/);
    expect(await manifestStatus(ref)).toBe(404);
  });
});
