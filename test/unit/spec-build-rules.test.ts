/**
 * The rules that decide whether a spec builds live in the spec stage: each is reported by validate (and so
 * by plan, render and build before anything runs) as a Diagnostic at the field's line and column, with the
 * fix. Rules of the hash mode are what flytekit itself refuses when computing a tag.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flavor } from '../../src/choices.js';
import { checkSpecFile, type SpecMode } from '../../src/spec/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'imagespec-rules-'));
  await mkdir(path.join(dir, 'lock'));
  await mkdir(path.join(dir, 'bare'));
  await writeFile(path.join(dir, 'lock', 'uv.lock'), 'version = 1\n');
  await writeFile(path.join(dir, 'lock', 'pyproject.toml'), '[project]\nname = "x"\n');
  await writeFile(path.join(dir, 'bare', 'uv.lock'), 'version = 1\n');
  await mkdir(path.join(dir, 'src'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let n = 0;
async function problems(
  yaml: string,
  opts: { mode?: SpecMode; flavor?: Flavor } = {},
): Promise<Array<[number, number, string, string]>> {
  const file = path.join(dir, `spec-${n++}.yaml`);
  await writeFile(file, yaml);
  const { diagnostics } = await checkSpecFile(file, opts);
  for (const d of diagnostics) expect(d.file).toBe(file);
  return diagnostics.map((d) => [d.line, d.col, d.path, d.message]);
}

describe('build rules (validate, plan, render, build)', () => {
  it('cuda and cudnn: not supported by the builder, with what works instead', async () => {
    expect(await problems('name: app\ncuda: "12.1"\n')).toEqual([
      [
        2,
        7,
        'cuda',
        expect.stringMatching(/^cuda is not supported by this builder .*use a base_image with CUDA/),
      ],
    ]);
    expect(await problems('images:\n  a:\n    cudnn: "8"\n')).toEqual([
      [3, 12, 'images.a.cudnn', expect.stringMatching(/^images\.a\.cudnn is not supported/)],
    ]);
    // Accepted for tags, and with a Dockerfile of one's own (the field is then only hashed).
    expect(await problems('name: app\ncuda: "12.1"\n', { mode: 'hash' })).toEqual([]);
  });

  it('builder_options.network: one of default, none, host', async () => {
    expect(await problems('name: app\nbuilder_options:\n  network: bridge0\n')).toEqual([
      [3, 12, 'builder_options.network', expect.stringMatching(/default, none, host/)],
    ]);
  });

  it('a lock file: no extra packages, and a pyproject.toml next to it', async () => {
    expect(await problems('name: app\nrequirements: lock/uv.lock\npackages: [x]\n')).toEqual([
      [3, 1, 'packages', expect.stringMatching(/packages cannot be combined with a uv\.lock/)],
    ]);
    expect(await problems('name: app\nrequirements: bare/uv.lock\n')).toEqual([
      [
        2,
        15,
        'requirements',
        expect.stringMatching(/needs a pyproject\.toml next to it; add bare\/pyproject\.toml/),
      ],
    ]);
  });

  it('generic: a lock file is installed with uv, not pip', async () => {
    expect(await problems('name: app\nrequirements: lock/uv.lock\npython_installer: pip\n')).toEqual([
      [
        3,
        19,
        'python_installer',
        expect.stringMatching(/pip cannot install a uv\.lock.*remove python_installer: pip/),
      ],
    ]);
  });

  it('flyte: python_exec leaves no conda environment for conda packages', async () => {
    const yaml = 'name: app\npython_exec: /usr/bin/python3\nconda_packages: [numpy]\n';
    expect(await problems(yaml, { flavor: 'flyte' })).toEqual([
      [3, 1, 'conda_packages', expect.stringMatching(/cannot be used with python_exec/)],
    ]);
    expect(await problems(yaml, { flavor: 'generic' })).toEqual([]);
  });

  it('pip_extra_args: arguments and quotes, no shell syntax', async () => {
    expect(await problems('name: app\npip_extra_args: "--pre; id"\n')).toEqual([
      [2, 17, 'pip_extra_args', expect.stringMatching(/contains shell syntax/)],
    ]);
    expect(await problems('name: app\npip_extra_args: "--x $HOME"\n')).toEqual([
      [2, 17, 'pip_extra_args', expect.stringMatching(/'\$HOME' is not expanded/)],
    ]);
    expect(await problems(`name: app\npip_extra_args: --pre "--config-settings=a b"\n`)).toEqual([]);
  });

  it('tool images and secret mount targets go into mount flags: plain values only', async () => {
    expect(await problems('name: app\nbuilder_config:\n  uv_image: "bad img"\n')).toEqual([
      [3, 13, 'builder_config.uv_image', expect.stringMatching(/not a valid image reference/)],
    ]);
    expect(await problems('name: app\npip_secret_mounts:\n  - [.netrc, "/root/a b"]\n')).toEqual([
      [3, 14, 'pip_secret_mounts[0][1]', expect.stringMatching(/may contain only letters/)],
    ]);
  });

  it('an empty command', async () => {
    expect(await problems('name: app\ncommands: ["echo hi", " "]\n')).toEqual([
      [2, 23, 'commands[1]', expect.stringMatching(/is empty; remove it/)],
    ]);
  });

  it('commands that would make a RUN line longer than BuildKit reads', async () => {
    const half = `echo ${'x'.repeat(40_000)}`;
    const yaml = `name: app\ncommands:\n  - ${half}\n  - ${half}\n`;
    // generic: one RUN per command, each fits; flyte: one RUN for all, as flytekit joins them with &&.
    expect(await problems(yaml, { flavor: 'generic' })).toEqual([]);
    expect(await problems(yaml, { flavor: 'flyte' })).toEqual([
      [
        2,
        1,
        'commands',
        expect.stringMatching(/^commands makes a RUN line of \d+ bytes; BuildKit reads at most 65535/),
      ],
    ]);
    expect(await problems(`name: app\ncommands: ["${'y'.repeat(70_000)}"]\n`)).toEqual([
      [2, 12, 'commands[0]', expect.stringMatching(/^commands\[0\] makes a RUN line of 70066 bytes/)],
    ]);
  });

  it('a Dockerfile that does not exist', async () => {
    expect(await problems('name: app\ndockerfile: nope/Dockerfile\n')).toEqual([
      [2, 13, 'dockerfile', expect.stringMatching(/does not exist/)],
    ]);
  });
});

describe('rules of both modes', () => {
  for (const mode of ['strict', 'hash'] as const) {
    it(`${mode}: source_copy_mode other than no_copy needs a source_root`, async () => {
      expect(await problems('name: app\nsource_root: null\nsource_copy_mode: all\n', { mode })).toEqual([
        [3, 19, 'source_copy_mode', expect.stringMatching(/needs source_root/)],
      ]);
      expect(await problems('name: app\nsource_copy_mode: no_copy\n', { mode })).toEqual([]);
    });

    it(`${mode}: flyte flavor needs source_copy_mode with source_root`, async () => {
      expect(await problems('name: app\nsource_root: src\n', { mode, flavor: 'flyte' })).toEqual([
        [2, 14, 'source_root', expect.stringMatching(/without source_copy_mode.*source_copy_mode: all/)],
      ]);
      expect(await problems('name: app\nsource_root: src\n', { mode, flavor: 'generic' })).toEqual([]);
    });
  }
});

describe('hash mode: what flytekit refuses while computing a tag', () => {
  it('tag_format that str.format refuses', async () => {
    expect(await problems('name: app\ntag_format: "{spec_hash:d}"\n', { mode: 'hash' })).toEqual([
      [2, 13, 'tag_format', expect.stringMatching(/cannot be applied: format spec ':d'/)],
    ]);
    expect(await problems('name: app\ntag_format: "{spec_hash:>30}"\n', { mode: 'hash' })).toEqual([]);
  });

  it('paths that are not strings', async () => {
    expect(await problems('name: app\nrequirements: 12\ncopy: [1]\n', { mode: 'hash' })).toEqual([
      [2, 15, 'requirements', expect.stringMatching(/must be a string, not an integer/)],
      [3, 8, 'copy[0]', expect.stringMatching(/must be a path \(a string\), not an integer/)],
    ]);
  });
});
