/**
 * A build spread over runners, end to end on the testbed: the reusable workflow's jobs walked as GitHub runs
 * them (test/support/workflow-runner.ts: GitHub's expression evaluator for needs, if:, matrices and outputs),
 * every step of this action run as the committed bundle (`node dist/index.js` on Node.js 24) under the runner's
 * file contract, real buildx on the real engine (arm64 legs under QEMU), a real registry with basic auth.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTags } from '../../src/pipeline.js';
import { parseOutputs } from '../support/runner-files.js';
import { basicAuth, pushImage, pushIndex, type PushTarget } from '../support/registry-upload.js';
import { writeMonorepo } from '../support/monorepo.js';
import {
  headManifest,
  pruneBuildRecords,
  removeImages,
  requireTestbed,
  run,
  type Testbed,
  dockerConfigWithLogin,
} from '../support/testbed.js';
import { runWorkflow, type WorkflowRun } from '../support/workflow-runner.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const bundle = path.join(ROOT, 'dist/index.js');
const cli = path.join(ROOT, 'dist/cli.js');
const workflow = path.join(ROOT, '.github/workflows/imagespec.yml');
const marker = `distribute-${randomBytes(4).toString('hex')}`;
const RUNNERS = 'default=ubuntu-24.04,linux/arm64=ubuntu-24.04-arm';

let tb: Testbed;
let root: string;
let dockerConfig: string;
let target: PushTarget;
const pulled: string[] = [];

/** The defaults action.yml declares, which the runner fills in for inputs a step does not set. */
const actionDefaults = Object.fromEntries(
  Object.entries(
    (
      parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { default?: string }>;
      }
    ).inputs,
  )
    .filter(([, v]) => typeof v.default === 'string' && !v.default.includes('${{'))
    .map(([k, v]) => [k, v.default as string]),
);

/** One step of the action, as the runner runs it: INPUT_* variables, GITHUB_OUTPUT and the summary file. */
async function runStep(ws: string, inputs: Record<string, string>) {
  const files = await mkdtemp(path.join(root, 'runner-'));
  const outputFile = path.join(files, 'output');
  await Promise.all([writeFile(outputFile, ''), writeFile(path.join(files, 'summary'), '')]);
  const all = { ...actionDefaults, ...inputs, 'cache-scope': marker, 'mount-cache': 'false' };
  const result = await run(tb.node24, [bundle], {
    cwd: ws,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DOCKER_CONFIG: path.join(files, 'docker-config'),
      RUNNER_TEMP: files,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: ws,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: path.join(files, 'summary'),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'acme/models',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_ACTOR: 'octocat',
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: tb.cache.resultsUrl,
      ACTIONS_RUNTIME_TOKEN: tb.cache.token,
      ...Object.fromEntries(Object.entries(all).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    },
  });
  const outputs = parseOutputs(await readFile(outputFile, 'utf8'));
  return { code: result.code, outputs, log: result.stdout + result.stderr };
}

/** Runs the reusable workflow with distribute: true on a workspace holding `spec`. */
async function walk(ws: string, registry: string, loseLeg?: (job: string, platform: string) => boolean) {
  const logs: string[] = [];
  const result = await runWorkflow(workflow, {
    inputs: { spec: 'imagespec.yaml', registry, distribute: true, runners: RUNNERS },
    secrets: { 'registry-username': tb.basic.user, 'registry-password': tb.basic.password },
    runAction: async (inputs, where) => {
      const step = await runStep(ws, inputs);
      logs.push(`--- ${where.job} ${JSON.stringify(where.matrix)} → ${step.code}\n${step.log}`);
      return step;
    },
    ...(loseLeg ? { loseLeg: (job, matrix) => loseLeg(job, String(matrix['platform'])) } : {}),
  });
  return { ...result, log: logs.join('\n') };
}

const ran = (r: WorkflowRun) =>
  Object.fromEntries(r.order.map((name) => [name, `${r.jobs[name]!.result}:${r.jobs[name]!.legs.length}`]));
const legsOf = (r: WorkflowRun, job: string) =>
  r.jobs[job]!.legs.map((l) => `${l.matrix['image']} ${l.matrix['platform']} on ${l.runner}`).sort();

function layeredSpec(salt: string): string {
  return [
    'images:',
    '  parent:',
    '    base_image: busybox:stable',
    '    platform: linux/amd64,linux/arm64',
    `    commands: ["echo parent-${salt} > /parent.txt"]`,
    '  child:',
    '    base_image: parent',
    '    platform: linux/amd64,linux/arm64',
    `    commands: ["echo child-${salt} > /child.txt && uname -m > /arch.txt"]`,
    '',
  ].join('\n');
}

async function workspace(spec: string): Promise<string> {
  const ws = await mkdtemp(path.join(root, 'ws-'));
  await writeFile(path.join(ws, 'imagespec.yaml'), spec);
  return ws;
}

beforeAll(async () => {
  tb = await requireTestbed();
  root = await mkdtemp(path.join(tmpdir(), 'imagespec-distribute-'));
  dockerConfig = await dockerConfigWithLogin(root);
  target = { registry: tb.basic.registry, authorization: basicAuth(tb.basic.user, tb.basic.password) };
});

afterAll(async () => {
  // The docker driver keeps what it pushes in the local store too: remove every image of this file's registries.
  const local = await run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const mine = local.stdout.split('\n').filter((ref) => ref.includes(`/${marker}-`));
  await removeImages([...pulled, ...mine]);
  await pruneBuildRecords(marker);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the reusable workflow with distribute: true', () => {
  it('plans, builds parent then child per platform on their runners, merges, and each platform runs its own arch', async () => {
    const registry = `${tb.basic.registry}/${marker}-a`;
    const ws = await workspace(layeredSpec(`${marker}-a`));
    const first = await walk(ws, registry);
    expect(ran(first), first.log).toEqual({
      build: 'skipped:0',
      plan: 'success:1',
      'layer-0': 'success:2',
      'merge-0': 'success:1',
      'layer-1': 'success:2',
      'merge-1': 'success:1',
      'layer-2': 'skipped:0',
      'merge-2': 'skipped:0',
      'layer-3': 'skipped:0',
      'merge-3': 'skipped:0',
      merge: 'success:1',
    });
    expect(legsOf(first, 'layer-0')).toEqual([
      'parent linux/amd64 on ubuntu-24.04',
      'parent linux/arm64 on ubuntu-24.04-arm',
    ]);
    expect(legsOf(first, 'layer-1')).toEqual([
      'child linux/amd64 on ubuntu-24.04',
      'child linux/arm64 on ubuntu-24.04-arm',
    ]);
    expect(first.outputs['legs']).toBe('4');

    // The workflow's outputs are a one-job run's: every image built, with both platforms' digests.
    const planned = await planTags(path.join(ws, 'imagespec.yaml'), { flavor: 'generic', registry });
    const child = planned.find((p) => p.spec.id === 'child')!;
    expect(first.outputs['image']).toBe(child.reference);
    expect(first.outputs['built']).toBe('true');
    expect(first.outputs['existed']).toBe('false');
    expect(first.outputs['digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    const images = JSON.parse(first.outputs['images']!) as Array<Record<string, unknown>>;
    expect(images.map((i) => [i['id'], i['built'], i['existed']])).toEqual([
      ['parent', 'true', 'false'],
      ['child', 'true', 'false'],
    ]);
    for (const image of images) {
      expect(Object.keys(image['platform-digests'] as object).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    }

    // Each platform of the child runs its own architecture and sees the parent's content.
    pulled.push(child.reference);
    for (const [platform, arch] of [
      ['linux/arm64', 'aarch64'],
      ['linux/amd64', 'x86_64'],
    ] as const) {
      await run('docker', ['image', 'rm', '--force', child.reference]);
      const out = await run(
        'docker',
        [
          'run',
          '--rm',
          '--platform',
          platform,
          child.reference,
          'sh',
          '-c',
          'uname -m; cat /arch.txt /parent.txt',
        ],
        { env: { ...process.env, DOCKER_CONFIG: dockerConfig } },
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout.trim().split('\n')).toEqual([arch, arch, `parent-${marker}-a`]);
    }

    // Nothing left to do: the plan is empty, no build job starts, and the outputs say every image existed.
    const again = await walk(ws, registry);
    expect(again.jobs['plan']!.outputs['legs']).toBe('0');
    for (let n = 0; n < 4; n++) expect(again.jobs[`layer-${n}`]!.result).toBe('skipped');
    for (let n = 0; n < 4; n++) expect(again.jobs[`merge-${n}`]!.result).toBe('skipped');
    expect(again.jobs['merge']!.result).toBe('success');
    expect(again.outputs['built']).toBe('false');
    expect(again.outputs['existed']).toBe('true');
    expect(again.outputs['digest']).toBe(first.outputs['digest']);
  });

  it('after a lost leg, plans only that leg again; merge names what is missing; then the plan is empty', async () => {
    const registry = `${tb.basic.registry}/${marker}-b`;
    const ws = await workspace(layeredSpec(`${marker}-b`));
    const lost = await walk(ws, registry, (job, platform) => job === 'layer-1' && platform === 'linux/arm64');
    expect(lost.jobs['layer-1']!.result).toBe('failure');
    expect(lost.jobs['merge-1']!.result).toBe('skipped');
    expect(lost.jobs['layer-2']!.result).toBe('skipped');
    expect(lost.jobs['merge']!.result).toBe('skipped');

    // The CLI's merge says which image misses which platform, and writes nothing for it.
    const merge = await run(
      process.execPath,
      [cli, 'merge', '--registry', registry, path.join(ws, 'imagespec.yaml')],
      {
        env: { ...process.env, DOCKER_CONFIG: dockerConfig },
      },
    );
    expect(merge.code).toBe(1);
    expect(merge.stderr).toMatch(/images\.child: missing linux\/arm64 \(\S+-linux-arm64\)/);
    expect(merge.stdout).toMatch(/parent:\S+@sha256:[0-9a-f]{64} \(exists\)/);

    const rerun = await walk(ws, registry);
    expect(ran(rerun), rerun.log).toMatchObject({
      plan: 'success:1',
      'layer-0': 'skipped:0',
      'merge-0': 'skipped:0',
      'layer-1': 'success:1',
      'merge-1': 'success:1',
      merge: 'success:1',
    });
    expect(legsOf(rerun, 'layer-1')).toEqual(['child linux/arm64 on ubuntu-24.04-arm']);
    expect(rerun.outputs['legs']).toBe('1');
    const images = JSON.parse(rerun.outputs['images']!) as Array<Record<string, string>>;
    expect(images.map((i) => [i['id'], i['built']])).toEqual([
      ['parent', 'false'],
      ['child', 'true'],
    ]);

    const done = await walk(ws, registry);
    expect(done.jobs['plan']!.outputs['legs']).toBe('0');
    expect(done.jobs['plan']!.outputs['pending']).toBe('');
    expect(
      Object.entries(done.jobs).filter(([n, j]) => n.startsWith('layer-') && j.result !== 'skipped'),
    ).toEqual([]);
  });
});

describe('legs and merge on the command line', () => {
  const imagespec = (args: string[]) =>
    run(process.execPath, [cli, ...args], { env: { ...process.env, DOCKER_CONFIG: dockerConfig } });

  it('a grouped matrix job builds each of its images; a re-run builds nothing; merge never writes over a tag', async () => {
    const registry = `${tb.basic.registry}/${marker}-c`;
    const ws = await workspace(
      ['one', 'two', 'three']
        .map((id) =>
          [
            `  ${id}:`,
            '    base_image: busybox:stable',
            '    platform: linux/amd64,linux/arm64',
            `    commands: ["echo ${id}-${marker} > /id.txt"]`,
          ].join('\n'),
        )
        .join('\n')
        .replace(/^/, 'images:\n'),
    );
    const file = path.join(ws, 'imagespec.yaml');
    const leg = [
      'build',
      '--registry',
      registry,
      '--image',
      'one,two',
      '--platform',
      'linux/arm64',
      '--push',
    ];
    const first = await imagespec([...leg, '--cache', 'none', file]);
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`/one:\\S+-linux-arm64@sha256:[0-9a-f]{64}$`));
    expect(lines[1]).toMatch(new RegExp(`/two:\\S+-linux-arm64@sha256:[0-9a-f]{64}$`));
    const again = await imagespec([...leg, '--cache', 'none', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n')).toEqual(lines.map((l) => `${l} (exists)`));
    expect(again.stderr).toMatch(/one:\S+-linux-arm64: skipping \(pushed by an earlier run\)/);

    // Only arm64 is there: merge names amd64 as missing for both and writes nothing.
    const partial = await imagespec(['merge', '--registry', registry, '--image', 'one,two', file]);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/images\.one: missing linux\/amd64 /);
    expect(partial.stderr).toMatch(/images\.two: missing linux\/amd64 /);

    // A content tag that exists without a planned platform is never written over.
    const planned = await planTags(file, { flavor: 'generic', registry });
    const three = planned.find((p) => p.spec.id === 'three')!;
    const repoPath = three.repository.slice(tb.basic.registry.length + 1);
    const pushed = await pushIndex(target, repoPath, three.tag, ['linux/amd64']);
    const auth = `Basic ${Buffer.from(`${tb.basic.user}:${tb.basic.password}`).toString('base64')}`;
    const refused = await imagespec(['merge', '--registry', registry, '--image', 'three', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /three:\S+ exists but lacks linux\/arm64; merge never overwrites a content tag/,
    );
    const after = await headManifest(tb.basic.registry, repoPath, three.tag, auth);
    expect(after.headers.get('docker-content-digest')).toBe(pushed.digest);
  });
});

describe('the plan of a 100-image monorepo', () => {
  async function cliPlan(file: string, args: string[]) {
    const res = await run(process.execPath, [cli, 'plan', '--matrix', ...args, file], {
      env: { ...process.env, DOCKER_CONFIG: dockerConfig },
    });
    return { ...res, plan: res.code === 0 ? (JSON.parse(res.stdout) as PlanJson) : undefined };
  }
  interface PlanJson {
    layers: Array<{ include: Array<{ image: string; platform: string; push: string; runner: string }> }>;
    merge: string[][];
    legs: number;
  }

  it('has the missing legs only, per layer, and keeps to the layer limit', async () => {
    const dir = await mkdtemp(path.join(root, 'mono-'));
    const repo = await writeMonorepo(dir, `${tb.basic.registry}/${marker}-mono`);
    const planned = await planTags(repo.file, { flavor: 'generic' });
    const byId = new Map(planned.map((p) => [p.spec.id, p]));
    const present = [...repo.layers[0]!.slice(0, 3), ...repo.layers[1]!.slice(0, 7), 'task-5'];
    const repoPath = (ref: string) => ref.slice(tb.basic.registry.length + 1, ref.lastIndexOf(':'));
    for (const id of present) {
      const p = byId.get(id)!;
      await pushIndex(target, repoPath(p.reference), p.tag, repo.platforms);
    }
    const half = byId.get('task-6')!;
    await pushImage(target, repoPath(half.reference), 'linux/arm64', `${half.tag}-linux-arm64`);

    const { plan, stderr } = await cliPlan(repo.file, ['--max-layers', '4']);
    expect(plan, stderr).toBeDefined();
    expect(plan!.layers).toHaveLength(3);
    const missing = repo.layers.map((ids) => ids.filter((id) => !present.includes(id)));
    expect(plan!.merge).toEqual(missing);
    for (const [n, layer] of plan!.layers.entries()) {
      const want = missing[n]!.flatMap((id) =>
        repo.platforms.filter((pl) => !(id === 'task-6' && pl === 'linux/arm64')).map((pl) => `${id} ${pl}`),
      );
      expect(layer.include.map((l) => `${l.image} ${l.platform}`).sort()).toEqual(want.sort());
    }
    expect(plan!.legs).toBe((100 - present.length) * 2 - 1);

    const deep = await cliPlan(repo.file, ['--max-layers', '2']);
    expect(deep.code).toBe(1);
    expect(deep.stderr).toMatch(/build on each other 3 layers deep .* at most 2 layers \(max-layers: 2\)/);
  });

  it('groups a layer of more than 256 legs into at most 256 matrix jobs', async () => {
    const dir = await mkdtemp(path.join(root, 'wide-'));
    const repo = await writeMonorepo(dir, `${tb.basic.registry}/${marker}-wide`, {
      bases: 2,
      services: 4,
      tasks: 140,
    });
    const { plan, stderr } = await cliPlan(repo.file, ['--runners', RUNNERS]);
    expect(plan, stderr).toBeDefined();
    const wide = plan!.layers[2]!.include;
    expect(wide.length).toBeLessThanOrEqual(256);
    const legs = wide.flatMap((job) =>
      job.image.split(',').map((image) => `${image} ${job.platform} ${job.runner}`),
    );
    expect(legs).toHaveLength(280);
    expect(new Set(legs).size).toBe(280);
    for (const leg of legs)
      expect(leg).toMatch(/ (linux\/amd64 ubuntu-24\.04|linux\/arm64 ubuntu-24\.04-arm)$/);
  });
});
