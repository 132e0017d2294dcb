/**
 * Hostile specs built for real: values that would open a heredoc, continue a line, start an instruction or
 * become a parser directive, in every free-text field that a build can carry, with every line separator
 * YAML can produce. The spec is built and pushed by `imagespec build` on the testbed's engine; the pushed
 * image's config and history must hold exactly the instructions and values the spec implies. Values that
 * a Dockerfile cannot hold are refused by `imagespec validate` at their FILE:LINE:COL, and nothing is pushed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, runCli } from '../support/bundle.js';
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
const run = randomUUID().slice(0, 8);
let work: string;
let cli: string;
let env: NodeJS.ProcessEnv;
const pushed: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'imagespec-hostile-'));
  cli = await bundle('cli', work);
  env = cliEnv(await dockerConfigWithLogin(work));
}, 120_000);

afterAll(async () => {
  for (const ref of pushed) await runCommand('docker', ['rmi', '-f', ref], { env });
  await pruneBuildRecords(run);
  await rm(work, { recursive: true, force: true });
});

interface ImageConfig {
  config: { Env?: string[]; Entrypoint?: string[] | null; Labels?: Record<string, string> };
  history: Array<{ created_by?: string; empty_layer?: boolean }>;
}

async function registryGet(repository: string, ref: string, accept: string): Promise<Response> {
  const res = await fetch(`http://${BASIC}/v2/${repository}/${ref}`, {
    headers: { accept, authorization: AUTH },
  });
  if (!res.ok) throw new Error(`GET ${repository}/${ref}: ${res.status}`);
  return res;
}

/** The linux/amd64 image config of a pushed reference, read from the registry. */
async function pushedConfig(reference: string): Promise<ImageConfig> {
  const [, ...rest] = reference.split('/');
  const [repository, tag] = rest.join('/').split(':') as [string, string];
  let manifest = (await (await registryGet(repository, `manifests/${tag}`, MANIFEST_ACCEPT)).json()) as {
    manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }>;
    config?: { digest: string };
  };
  if (manifest.manifests) {
    const amd64 = manifest.manifests.find((m) => m.platform?.architecture === 'amd64');
    manifest = (await (
      await registryGet(repository, `manifests/${amd64!.digest}`, MANIFEST_ACCEPT)
    ).json()) as {
      config?: { digest: string };
    };
  }
  return (await (
    await registryGet(repository, `blobs/${manifest.config!.digest}`, '*/*')
  ).json()) as ImageConfig;
}

/** YAML double-quoted string: JSON's escapes are valid YAML escapes. */
const q = (s: string): string => JSON.stringify(s);

describe('hostile specs', () => {
  it('builds an image with exactly the instructions and values the spec implies', async () => {
    const commands = [
      // A shell heredoc whose body looks like Dockerfile instructions: it stays the shell's.
      `cat <<EOF > /heredoc\nENV PWNED=1\nCOPY . /leak\nEOF`,
      `cat <<-'EOF' >> /heredoc\n\tUSER nobody\n\tEOF`,
      // A trailing backslash, a comment, a parser directive, each line separator.
      `echo ${run} > /marker \\`,
      '#comment RUN echo swallowed',
      '# escape=`',
      `echo crlf > /crlf; : \r\n# USER root`,
      `echo cr > /cr; : \r# ENV PWNED=2`,
      `echo nel > /nel; : \u0085# ENV PWNED=3`,
      `echo ls > /ls; : \u2028# ENV PWNED=4`,
      `echo ps > /ps; : \u2029# ENV PWNED=5`,
      `echo '<<EOF' > /opener`,
    ];
    const envValues: Record<string, string> = {
      HEREDOC: '<<EOF',
      CONTINUED: 'x \\',
      DIRECTIVE: '# escape=`',
      DOLLAR: '$HOME ${PATH} `id` "q"',
      JSONISH: '["/bin/sh", "-c", "id"]',
    };
    const entrypoint = ['/bin/sh', '-c', 'echo "line1\nline2" <<EOF', 'x \\', '\u2028'];
    const labels: Record<string, string> = {
      'org.example.heredoc': '<<EOF\nRUN id',
      'org.example.continued': 'y \\',
      'org.example.directive': '# syntax=docker/dockerfile:1',
    };
    const repository = `imagespec-e2e-hostile-${run}`;
    const yaml = [
      'name: hostile',
      `registry: ${BASIC}/${repository}`,
      'base_image: debian:bookworm-slim',
      'commands:',
      ...commands.map((c) => `  - ${q(c)}`),
      'env:',
      ...Object.entries(envValues).map(([k, v]) => `  ${k}: ${q(v)}`),
      `entrypoint: [${entrypoint.map(q).join(', ')}]`,
      'labels:',
      // Labels may not hold line breaks: only the single-line ones go into this spec.
      ...Object.entries(labels)
        .filter(([, v]) => !v.includes('\n'))
        .map(([k, v]) => `  ${k}: ${q(v)}`),
      '',
    ].join('\n');
    const spec = path.join(
      await writeTree(path.join(work, 'hostile'), { 'imagespec.yaml': yaml }),
      'imagespec.yaml',
    );

    const valid = await runCli(cli, ['validate', spec], { env, cwd: work });
    expect(valid.code, valid.stderr).toBe(0);
    const out = await runCli(cli, ['build', '--push', '--cache', 'none', '--provenance', 'false', spec], {
      env,
      cwd: work,
    });
    expect(out.code, out.stderr).toBe(0);
    const reference = out.stdout.trim().split('\n')[0]!.split(' ')[0]!.split('@')[0]!;
    pushed.push(reference);

    const image = await pushedConfig(reference);
    // Config: env, entrypoint and labels exactly as written; no injected variables.
    const envMap = Object.fromEntries(
      (image.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    for (const [k, v] of Object.entries(envValues)) expect(envMap[k], k).toBe(v);
    expect(Object.keys(envMap).filter((k) => k.startsWith('PWNED'))).toEqual([]);
    expect(image.config.Entrypoint).toEqual(entrypoint);
    for (const [k, v] of Object.entries(labels))
      if (!v.includes('\n')) expect(image.config.Labels?.[k], k).toBe(v);
    expect(image.config.Labels?.['dev.imagespec.spec-hash']).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // History: the base image's steps, then one RUN per command with the command as its script, then ENV,
    // ENTRYPOINT and LABEL. Nothing else: no COPY, no USER, no extra ENV.
    const ours = image.history.slice(image.history.length - (commands.length + 3));
    const kinds = ours.map((h) => /^(\S+)/.exec(h.created_by ?? '')?.[1]);
    expect(kinds).toEqual([...commands.map(() => 'RUN'), 'ENV', 'ENTRYPOINT', 'LABEL']);
    commands.forEach((c, i) => {
      expect(ours[i]!.created_by?.replace(/ # buildkit$/, ''), JSON.stringify(c)).toBe(`RUN /bin/sh -c ${c}`);
    });
    const all = image.history.map((h) => h.created_by ?? '');
    expect(all.filter((h) => /^(COPY|ADD|USER)\b/.test(h))).toEqual([]);

    // The shell ran each command: the heredoc wrote its body, the other commands their files.
    const files = await runCommand(
      'docker',
      [
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        reference,
        '-c',
        'cat /heredoc /marker /crlf /cr /nel /ls /ps /opener; test ! -e /leak',
      ],
      { env },
    );
    expect(files.code, files.stderr).toBe(0);
    expect(files.stdout.split('\n').map((l) => l.replace(/\r$/, ''))).toEqual([
      'ENV PWNED=1',
      'COPY . /leak',
      'USER nobody',
      `${run} \\`,
      'crlf',
      'cr',
      'nel',
      'ls',
      'ps',
      '<<EOF',
      '',
    ]);
  }, 300_000);

  it('refuses values a Dockerfile cannot hold at validate time, with FILE:LINE:COL, and pushes nothing', async () => {
    const repository = `imagespec-e2e-hostile-refused-${run}`;
    const yaml = [
      'name: refused',
      `registry: ${BASIC}/${repository}`,
      'base_image: debian:bookworm-slim',
      `packages: [${q('numpy\u2028RUN id')}]`,
      'env:',
      `  A: ${q('x\nUSER root')}`,
      'labels:',
      `  org.example.x: ${q('<<EOF\u0085RUN id')}`,
      '',
    ].join('\n');
    const spec = path.join(
      await writeTree(path.join(work, 'refused'), { 'imagespec.yaml': yaml }),
      'imagespec.yaml',
    );
    const valid = await runCli(cli, ['validate', spec], { env, cwd: work });
    expect(valid.code).toBe(1);
    const lines = valid.stderr.trim().split('\n');
    expect(
      lines
        .filter((l) => /imagespec\.yaml:\d+:\d+: error: /.test(l))
        .map((l) => /:(\d+):(\d+):/.exec(l)!.slice(1)),
    ).toEqual([
      ['4', '12'],
      ['6', '6'],
      ['8', '18'],
    ]);
    expect(valid.stderr).not.toMatch(/[\u0085\u2028]/);
    const out = await runCli(cli, ['build', '--push', '--cache', 'none', '--provenance', 'false', spec], {
      env,
      cwd: work,
    });
    expect(out.code).toBe(1);
    const head = await fetch(`http://${BASIC}/v2/${repository}/refused/tags/list`, {
      headers: { authorization: AUTH },
    });
    expect(head.status).toBe(404);
  }, 120_000);
});
