/**
 * The committed action bundle (`node dist/index.js`, on Node.js 24 as action.yml declares) run exactly as the
 * GitHub runner runs it: inputs as
 * INPUT_* variables, outputs and the job summary through the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, the
 * event from GITHUB_EVENT_NAME / GITHUB_EVENT_PATH, and the cache service double (v2) through ACTIONS_RESULTS_URL.
 * Real engine, real buildx, real registries. A pass-through `docker` on PATH records every docker command the
 * action starts, so a test can tell that no buildx process ran.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { mkdtemp, symlink, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  headManifest,
  pruneBuildRecords,
  registryToken,
  removeImages,
  requireTestbed,
  run,
  testbed,
  type Testbed,
} from '../support/testbed.js';
import { parseOutputs } from '../support/runner-files.js';

const bundle = path.resolve(import.meta.dirname, '../../dist/index.js');
let tb: Testbed;
/** The image store dockerd runs with, known when the tests are collected (requireTestbed checks the rest). */
const store = testbed().store;
let root: string;
let shimDir: string;
const marker = `action-e2e-${randomBytes(4).toString('hex')}`;
const createdRefs: string[] = [];

interface ActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
  dockerCalls: string[];
}

async function workspace(spec: string): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'ws-'));
  await writeFile(path.join(dir, 'imagespec.yaml'), spec);
  return dir;
}

async function runAction(
  ws: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const files = await mkdtemp(path.join(root, 'runner-'));
  const outputFile = path.join(files, 'output');
  const summaryFile = path.join(files, 'summary');
  const callLog = path.join(files, 'docker-calls');
  await Promise.all([writeFile(outputFile, ''), writeFile(summaryFile, ''), writeFile(callLog, '')]);
  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
  );
  const result = await run(tb.node24, [bundle], {
    cwd: ws,
    env: {
      PATH: `${shimDir}:${process.env.PATH}`,
      HOME: process.env.HOME,
      DOCKER_CONFIG: path.join(files, 'docker-config'),
      RUNNER_TEMP: files,
      IMAGESPEC_DOCKER_CALLS: callLog,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: ws,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_ACTOR: 'octocat',
      // Cache service v2, as github.com serves it.
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: tb.cache.resultsUrl,
      ACTIONS_RUNTIME_TOKEN: tb.cache.token,
      INPUT_SPEC: 'imagespec.yaml',
      'INPUT_CACHE-SCOPE': marker,
      'INPUT_MOUNT-CACHE': 'false',
      ...inputEnv,
      ...env,
    },
  });
  const [outputs, summary, calls] = await Promise.all([
    readFile(outputFile, 'utf8'),
    readFile(summaryFile, 'utf8'),
    readFile(callLog, 'utf8'),
  ]);
  return {
    code: result.code,
    stdout: result.stdout + result.stderr,
    outputs: parseOutputs(outputs),
    summary,
    dockerCalls: calls.split('\n').filter(Boolean),
  };
}

const basicAuth = () => `Basic ${Buffer.from(`${tb.basic.user}:${tb.basic.password}`).toString('base64')}`;
const basicLogin = () => ({ username: tb.basic.user, password: tb.basic.password });

function spec(repo: string, stage: string, registry = `${tb.basic.registry}/${repo}`): string {
  return [
    `name: app`,
    `registry: ${registry}`,
    `base_image: debian:bookworm-slim`,
    `commands:`,
    `  - echo ${marker} > /marker.txt`,
    `env:`,
    `  STAGE: ${stage}`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-action-e2e-'));
  shimDir = path.join(root, 'bin');
  const real = (await run('sh', ['-c', 'command -v docker'])).stdout.trim();
  await run('mkdir', ['-p', shimDir]);
  const shim = path.join(shimDir, 'docker');
  await writeFile(shim, `#!/bin/sh\nprintf '%s\\n' "$*" >> "$IMAGESPEC_DOCKER_CALLS"\nexec ${real} "$@"\n`);
  chmodSync(shim, 0o755);
});

afterAll(async () => {
  await removeImages(createdRefs);
  await pruneBuildRecords(marker);
  await rm(root, { recursive: true, force: true });
});

describe('the action bundle on the testbed', () => {
  const repo = `action-${randomBytes(3).toString('hex')}`;
  let ws: string;
  let first: ActionRun;

  it('builds and pushes a missing image, with outputs matching the registry', async () => {
    ws = await workspace(spec(repo, 'one'));
    first = await runAction(ws, basicLogin());
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs.built).toBe('true');
    expect(first.outputs.existed).toBe('false');
    const image = first.outputs.image ?? '';
    createdRefs.push(image);
    expect(image).toBe(`${tb.basic.registry}/${repo}/app:${first.outputs.tag}`);
    const head = await headManifest(tb.basic.registry, `${repo}/app`, first.outputs.tag ?? '', basicAuth());
    expect(head.status).toBe(200);
    expect(first.outputs.digest).toBe(head.headers.get('docker-content-digest'));
    expect(first.outputs['image-digest']).toBe(`${tb.basic.registry}/${repo}/app@${first.outputs.digest}`);
    expect(JSON.parse(first.outputs.images ?? '[]')).toHaveLength(1);
    expect(first.summary).toContain('built, pushed');
    expect(first.summary).toContain('Hash inputs');
    expect(first.dockerCalls.some((c) => c.startsWith('buildx build'))).toBe(true);
    // The password never reaches the log.
    expect(first.stdout).toContain(`::add-mask::${tb.basic.password}`);
    const unmasked = first.stdout.replace(/^::add-mask::.*$/gm, '');
    expect(unmasked).not.toContain(tb.basic.password);
  });

  it('skips an unchanged spec without starting buildx', async () => {
    const second = await runAction(ws, basicLogin());
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs.built).toBe('false');
    expect(second.outputs.existed).toBe('true');
    expect(second.outputs.image).toBe(first.outputs.image);
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(second.dockerCalls.filter((c) => c.includes('buildx'))).toEqual([]);
    expect(second.summary).toContain('skipped: exists');
  });

  // The `docker` driver exports a cache only with the containerd image store.
  it.skipIf(store === 'classic')(
    'rebuilds an edited spec with its steps from the GitHub Actions cache',
    async () => {
      // The local image and build records go, so a cached step can only come from the cache service.
      await removeImages([first.outputs.image ?? '']);
      await pruneBuildRecords(marker);
      await writeFile(path.join(ws, 'imagespec.yaml'), spec(repo, 'two'));
      const third = await runAction(ws, basicLogin());
      expect(third.code, third.stdout).toBe(0);
      createdRefs.push(third.outputs.image ?? '');
      expect(third.outputs.built).toBe('true');
      expect(third.outputs.tag).not.toBe(first.outputs.tag);
      // The step did not run: it is CACHED, or (imported from a remote cache) its layer is downloaded.
      const step = new RegExp(
        `#(\\d+) \\[\\d+/\\d+\\] RUN (?:--\\S+\\s+)*\\["/bin/sh", "-c", "echo ${marker}[^\\n]*\\n#\\1 (CACHED|sha256:[0-9a-f]{64} [\\d.]+[kMG]?B / [\\d.]+[kMG]?B( [\\d.]+s)? done)`,
      );
      expect(third.stdout).toMatch(step);
      expect(third.stdout).toContain('importing cache manifest from gha');
      const cacheCell = /gha: (\d+)\/(\d+) steps cached/.exec(third.summary);
      expect(cacheCell, third.summary).not.toBeNull();
      expect(Number(cacheCell?.[1])).toBeGreaterThan(0);
    },
  );

  it.skipIf(store === 'containerd')(
    'classic image store, no builder it can create: builds and pushes, and the summary says what was dropped',
    async () => {
      const classicRepo = `${repo}-classic`;
      const cws = await workspace(spec(classicRepo, 'classic'));
      const result = await runAction(cws, { ...basicLogin(), sbom: 'true' });
      expect(result.code, result.stdout).toBe(0);
      createdRefs.push(result.outputs.image ?? '');
      expect(result.outputs.built).toBe('true');
      const head = await headManifest(
        tb.basic.registry,
        `${classicRepo}/app`,
        result.outputs.tag ?? '',
        basicAuth(),
      );
      expect(head.status).toBe(200);
      expect(result.outputs.digest).toBe(head.headers.get('docker-content-digest'));
      expect(result.stdout).not.toContain('Attestation is not supported');
      // One warning per thing dropped, as annotations and in the summary.
      for (const dropped of [
        /cache 'gha' not used: builder 'default' \(driver docker\) cannot export a cache/,
        /provenance attestation not attached/,
        /SBOM attestation not attached/,
      ]) {
        expect(
          result.stdout.split('\n').filter((l) => l.startsWith('::warning') && dropped.test(l)),
        ).toHaveLength(1);
        expect(result.summary).toMatch(dropped);
      }
    },
  );

  it('never pushes for a pull request from a fork, and still proves the spec builds', async () => {
    const event = path.join(ws, 'event.json');
    await writeFile(
      event,
      JSON.stringify({
        pull_request: {
          head: { repo: { full_name: 'someone/models', fork: true } },
          base: { repo: { full_name: 'acme/models' } },
        },
      }),
    );
    await writeFile(path.join(ws, 'imagespec.yaml'), spec(repo, 'fork'));
    const fork = await runAction(ws, basicLogin(), {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
    });
    expect(fork.code, fork.stdout).toBe(0);
    expect(fork.outputs.built).toBe('true');
    createdRefs.push(fork.outputs.image ?? '');
    expect(fork.summary).toContain('fork');
    expect(fork.dockerCalls.some((c) => c.includes('--push'))).toBe(false);
    const head = await headManifest(tb.basic.registry, `${repo}/app`, fork.outputs.tag ?? '', basicAuth());
    expect(head.status).toBe(404);
  });

  it('fails with annotations and runs nothing for a bad spec', async () => {
    const bad = await workspace(
      [
        'name: app',
        `registry: ${tb.basic.registry}/${repo}`,
        'python_version: 3.10',
        'apt_package: [git]',
        '',
      ].join('\n'),
    );
    const result = await runAction(bad, basicLogin());
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /::error title=Invalid image spec,file=imagespec\.yaml,line=3,col=17::python_version/,
    );
    expect(result.stdout).toMatch(
      /::error title=Invalid image spec,file=imagespec\.yaml,line=4,col=1::.*apt_packages/,
    );
    expect(result.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(result.dockerCalls).toEqual([]);
    expect(result.summary).toContain('The spec file has 2 problem(s); nothing was built or pushed.');
    expect(result.summary).toContain('did you mean "apt_packages"');
  });
});

describe('without Docker', () => {
  it('says what the action needs when the docker CLI is missing, and pushes nothing', async () => {
    const repo = `nodocker-${randomBytes(3).toString('hex')}`;
    const ws = await workspace(spec(repo, 'nodocker'));
    const empty = await mkdtemp(path.join(root, 'empty-path-'));
    const result = await runAction(ws, basicLogin(), { PATH: empty });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('::error::the docker CLI was not found on PATH');
    expect(result.stdout).not.toMatch(/\n\s+at .*\.js:\d+/);
    // The repository does not exist: nothing at all was pushed.
    const tags = await fetch(`http://${tb.basic.registry}/v2/${repo}/app/tags/list`, {
      headers: { authorization: basicAuth() },
    });
    expect(tags.status).toBe(404);
  });
});

describe('extra tags', () => {
  it('point at the content-tagged image, also when it already existed', async () => {
    const repo = `tags-${randomBytes(3).toString('hex')}`;
    const ws = await workspace(spec(repo, 'tags'));
    const built = await runAction(ws, { ...basicLogin(), cache: 'none', 'extra-tags': 'latest\nrelease-1' });
    expect(built.code, built.stdout).toBe(0);
    createdRefs.push(built.outputs.image ?? '');
    expect(built.outputs.built).toBe('true');
    for (const tag of ['latest', 'release-1']) {
      const head = await headManifest(tb.basic.registry, `${repo}/app`, tag, basicAuth());
      expect(head.status, tag).toBe(200);
      expect(head.headers.get('docker-content-digest'), tag).toBe(built.outputs.digest);
    }
    const again = await runAction(ws, { ...basicLogin(), cache: 'none', 'extra-tags': 'release-2' });
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs.built).toBe('false');
    expect(again.dockerCalls.filter((c) => c.startsWith('buildx build'))).toEqual([]);
    const head = await headManifest(tb.basic.registry, `${repo}/app`, 'release-2', basicAuth());
    expect(head.headers.get('docker-content-digest')).toBe(built.outputs.digest);
    // The content tag still names the same manifest.
    const content = await headManifest(
      tb.basic.registry,
      `${repo}/app`,
      built.outputs.tag ?? '',
      basicAuth(),
    );
    expect(content.headers.get('docker-content-digest')).toBe(built.outputs.digest);
  });
});

describe('the registry input', () => {
  it('pushes a spec without a registry to the one the input names', async () => {
    const repo = `input-${randomBytes(3).toString('hex')}`;
    const ws = await workspace(
      [
        'name: app',
        'base_image: debian:bookworm-slim',
        'commands:',
        `  - echo ${marker} > /marker.txt`,
        '',
      ].join('\n'),
    );
    const result = await runAction(ws, {
      ...basicLogin(),
      registry: `${tb.basic.registry}/${repo}`,
      cache: 'none',
    });
    expect(result.code, result.stdout).toBe(0);
    createdRefs.push(result.outputs.image ?? '');
    expect(result.outputs.image).toBe(`${tb.basic.registry}/${repo}/app:${result.outputs.tag}`);
    const head = await headManifest(tb.basic.registry, `${repo}/app`, result.outputs.tag ?? '', basicAuth());
    expect(head.status).toBe(200);
    expect(result.outputs.digest).toBe(head.headers.get('docker-content-digest'));
  });
});

describe('visibility on the token registry', () => {
  const login = () => ({ username: tb.token.user, password: tb.token.password });

  it('reports a public repository as public', async () => {
    const repo = `${tb.token.publicPrefix}vis-${randomBytes(3).toString('hex')}`;
    const ws = await workspace(spec(repo, 'public', `${tb.token.registry}/${repo}`));
    const result = await runAction(ws, { ...login(), 'require-public': 'true', cache: 'none' });
    createdRefs.push(result.outputs.image ?? '');
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.visibility).toBe('public');
    expect(result.outputs.public).toBe('true');
  });

  it('fails require-public for a private image, saying where to change it, after pushing', async () => {
    const repo = `team-${randomBytes(3).toString('hex')}`;
    const ws = await workspace(spec(repo, 'private', `${tb.token.registry}/${repo}`));
    const result = await runAction(ws, { ...login(), 'require-public': 'true', cache: 'none' });
    createdRefs.push(result.outputs.image ?? '');
    expect(result.code).toBe(1);
    expect(result.outputs.visibility).toBe('private');
    expect(result.stdout).toMatch(/::error::require-public: .* is private .*settings/);
    const token = await registryToken(tb, `${repo}/app`, 'pull', {
      user: tb.token.user,
      password: tb.token.password,
    });
    const head = await headManifest(
      tb.token.registry,
      `${repo}/app`,
      result.outputs.tag ?? '',
      `Bearer ${token}`,
    );
    expect(head.status).toBe(200);
  });
});

describe('the spec input', () => {
  it('refuses a spec outside the workspace (as written, or through a link) before reading it or running docker', async () => {
    const repo = `outside-${randomBytes(3).toString('hex')}`;
    const outside = await workspace(spec(repo, 'outside'));
    const ws = await workspace('name: inside\n');
    await symlink(path.join(outside, 'imagespec.yaml'), path.join(ws, 'linked.yaml'));
    for (const input of [
      path.join('..', path.basename(outside), 'imagespec.yaml'),
      '/etc/passwd',
      'linked.yaml',
    ]) {
      const result = await runAction(ws, { ...basicLogin(), spec: input });
      expect(result.code, input).toBe(1);
      expect(result.stdout).toMatch(/::error::input 'spec' is ".*", which .*outside the workspace/);
      expect(result.stdout).not.toContain('root:x:0:0');
      expect(result.dockerCalls).toEqual([]);
    }
  });
});
