import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ALL_CACHE_MOUNTS, renderBuild } from '../../src/render/index.js';
import type { BuildContext } from '../../src/render/types.js';
import type { ImageSpec } from '../../src/spec/types.js';
import { FIXTURES, image, planned, printed } from './render-support.js';

const APP = path.join(FIXTURES, 'app');

function instructions(ctx: BuildContext): string[] {
  return ctx.dockerfile
    .split('\n')
    .filter((l) => /^[A-Z]+ /.test(l))
    .map((l) => l.split(' ')[0]!);
}

function indexOf(df: string, needle: string): number {
  const i = df.indexOf(needle);
  expect(i, needle).toBeGreaterThanOrEqual(0);
  return i;
}

describe('generic flavor', () => {
  test('packages with installer options become a requirements file, as flytekit writes them', async () => {
    const packages = ['--pre -f https://wheels.example.test/simple', 'numpy', "x'; touch /pwned #"];
    for (const python_installer of ['uv', 'pip'] as const) {
      const ctx = await renderBuild(planned(image({ packages, python_installer })));
      expect(ctx.files.find((f) => f.path === '.imagespec/packages.txt')?.content).toBe(
        `${packages.join('\n')}\n`,
      );
      expect(ctx.dockerfile).toContain(
        '--mount=type=bind,source=.imagespec/packages.txt,target=/tmp/imagespec/packages.txt',
      );
      expect(ctx.dockerfile).toContain('-r /tmp/imagespec/packages.txt');
      // The entries are file content only: none of them reaches the Dockerfile.
      for (const p of packages) expect(ctx.dockerfile).not.toContain(p);
      expect(ctx.dockerfile).not.toContain('pwned');
    }
    const plain = await renderBuild(planned(image({ packages: ['numpy', 'pandas==2.0'] })));
    expect(plain.files.map((f) => f.path)).not.toContain('.imagespec/packages.txt');
    expect(plain.dockerfile).toMatch(/numpy/);
  });

  const full = image({
    python_version: '3.11',
    apt_packages: ['curl'],
    packages: ['numpy'],
    python_installer: 'pip',
    requirements: path.join(APP, 'requirements.txt'),
    env: { MODE: 'prod' },
    entrypoint: ['python', 'main.py'],
    commands: ['echo built > /built'],
    copy: ['data'],
    source_root: path.join(APP, 'src'),
    labels: { team: 'ml' },
  });

  test('layers follow change frequency: base, apt, python, files, commands, runtime config', async () => {
    const ctx = await renderBuild(planned(full), {
      source: { url: 'https://github.com/o/r', revision: 'abc' },
    });
    const df = ctx.dockerfile;
    expect(df.startsWith('FROM python:3.11-slim\n')).toBe(true);
    const order = [
      'apt-get install',
      '-m pip install',
      'COPY copy/ /root/',
      'COPY source/ /root/',
      'RUN ["/bin/sh", "-c", "echo built > /built"]',
      'ENV MODE="prod"',
      'ENTRYPOINT ["python", "main.py"]',
      'LABEL ',
    ].map((n) => indexOf(df, n));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(df).toContain('--no-install-recommends');
    expect(df).toContain('--mount=type=cache,id=imagespec-apt-cache,target=/var/cache/apt,sharing=locked');
    expect(df).toContain('--mount=type=cache,id=imagespec-apt-lists,target=/var/lib/apt,sharing=locked');
    expect(df).toContain('--mount=type=cache,id=imagespec-pip,target=/root/.cache/pip,sharing=locked');
    expect(df).toContain('-r /tmp/imagespec/requirements.txt');
    expect(df).toContain('"org.opencontainers.image.source"="https://github.com/o/r"');
    expect(df).toContain('"org.opencontainers.image.revision"="abc"');
    expect(df).toContain('"dev.imagespec.spec-hash"="abc123hash"');
    expect(df).toContain('"team"="ml"');
    expect(df).not.toContain('# syntax');
    expect(ctx.cacheMounts.map((c) => c.id)).toEqual([
      'imagespec-apt-cache',
      'imagespec-apt-lists',
      'imagespec-pip',
    ]);
  });

  test('PEP 668 is detected in the RUN step, not guessed', async () => {
    const df = (await renderBuild(planned(full))).dockerfile;
    expect(df).toContain('EXTERNALLY-MANAGED');
    expect(df).toContain('-m venv --system-site-packages /opt/venv');
    expect(df).toContain('ENV PATH="/opt/venv/bin:${PATH}"');
  });

  test('context files: copy entries and source_root, ignored files left out, sorted', async () => {
    const ctx = await renderBuild(planned(full));
    expect(ctx.files.map((f) => f.path)).toEqual([
      '.imagespec/requirements.txt',
      'copy/data/table.csv',
      'source/.dockerignore',
      'source/main.py',
      'source/pkg/__init__.py',
    ]);
    expect(ctx.files.find((f) => f.path === 'source/main.py')!.source).toBe(path.join(APP, 'src/main.py'));
  });

  test('source_copy_mode NO_COPY copies nothing from source_root', async () => {
    const ctx = await renderBuild(planned({ ...full, source_copy_mode: 'no_copy' }));
    expect(ctx.files.some((f) => f.path.startsWith('source/'))).toBe(false);
    expect(ctx.dockerfile).not.toContain('COPY source/');
  });

  test('deterministic: the same spec gives the same bytes', async () => {
    const a = await renderBuild(planned(full));
    const b = await renderBuild(planned(full));
    expect(a.dockerfile).toBe(b.dockerfile);
    expect(a.files).toEqual(b.files);
  });

  test('base: base_image, else python:<version>-slim, else debian:bookworm-slim, parent reference wins', async () => {
    const first = async (p: ReturnType<typeof planned>) => (await renderBuild(p)).dockerfile.split('\n')[0];
    expect(await first(planned(image({ base_image: 'ubuntu:22.04' })))).toBe('FROM ubuntu:22.04');
    expect(await first(planned(image({ python_version: '3.12' })))).toBe('FROM python:3.12-slim');
    expect(await first(planned(image({})))).toBe('FROM debian:bookworm-slim');
    expect(
      await first(planned(image({ base_image_of: 'base' }), { baseReference: 'reg.example/base:tag1' })),
    ).toBe('FROM reg.example/base:tag1');
  });

  test('uv is the default installer, through the uv image; builder_config overrides it', async () => {
    const df = (await renderBuild(planned(image({ packages: ['numpy'], pip_index: 'https://idx/simple' }))))
      .dockerfile;
    expect(df).toContain('--mount=from=ghcr.io/astral-sh/uv:0.5.1,source=/uv,target=/usr/local/bin/uv');
    expect(df).toContain('--mount=type=cache,id=imagespec-uv,target=/root/.cache/uv,sharing=locked');
    expect(df).toContain('uv pip install --python \\"$py\\"');
    expect(df).toContain('--index-url https://idx/simple');
    expect(df).toContain('uv venv --system-site-packages');
    const custom = await renderBuild(
      planned(image({ packages: ['numpy'], builder_config: { uv_image: 'mirror.local/uv:0.6.0' } })),
    );
    expect(custom.dockerfile).toContain('--mount=from=mirror.local/uv:0.6.0,source=/uv');
  });

  test('uv.lock with pyproject.toml: uv sync --locked into the venv', async () => {
    const dir = path.join(FIXTURES, 'lock-uv');
    const ctx = await renderBuild(planned(image({ requirements: path.join(dir, 'uv.lock') }, dir)));
    expect(ctx.dockerfile).toContain('uv sync --locked --no-dev --no-install-project');
    expect(ctx.dockerfile).toContain('UV_PROJECT_ENVIRONMENT=/opt/venv');
    expect(ctx.dockerfile).toContain(
      '--mount=type=bind,source=.imagespec/project/uv.lock,target=/tmp/imagespec/project/uv.lock',
    );
    expect(ctx.files.map((f) => f.path)).toEqual([
      '.imagespec/project/pyproject.toml',
      '.imagespec/project/uv.lock',
    ]);
  });

  test('poetry.lock: poetry install --no-root with uv-provided poetry', async () => {
    const dir = path.join(FIXTURES, 'lock-poetry');
    const ctx = await renderBuild(planned(image({ requirements: path.join(dir, 'poetry.lock') }, dir)));
    expect(ctx.dockerfile).toContain('poetry install --no-root');
    expect(ctx.dockerfile).toContain('--mount=type=bind,source=.imagespec/project/poetry.lock');
    expect(ctx.cacheMounts.map((c) => c.id)).toContain('imagespec-poetry');
  });

  test('conda packages through micromamba, image overridable', async () => {
    const ctx = await renderBuild(
      planned(
        image({
          python_version: '3.11',
          conda_packages: ['numpy'],
          conda_channels: ['nvidia'],
          builder_config: { micromamba_image: 'mirror.local/micromamba:2' },
        }),
      ),
    );
    expect(ctx.dockerfile).toContain(
      '--mount=from=mirror.local/micromamba:2,source=/usr/bin/micromamba,target=/usr/local/bin/micromamba',
    );
    expect(ctx.dockerfile).toContain('micromamba create -y -n runtime --root-prefix /opt/micromamba');
    expect(ctx.dockerfile).toContain('-c nvidia');
    expect(ctx.dockerfile).toContain('python=3.11');
    expect(ctx.dockerfile).toContain('ENV PATH="/opt/micromamba/envs/runtime/bin:${PATH}"');
    expect(ctx.cacheMounts.map((c) => c.id)).toContain('imagespec-micromamba');
  });

  test('secrets: pip_secret_mounts and secrets become secret mounts, never values', async () => {
    const ctx = await renderBuild(
      planned(
        image({
          packages: ['x'],
          commands: ['cat /run/secrets/token >/dev/null'],
          pip_secret_mounts: [['netrc', '/root/.netrc']],
          secrets: [{ id: 'token', env: 'MY_TOKEN' }],
        }),
      ),
    );
    expect(ctx.dockerfile).toContain('--mount=type=secret,id=imagespec-pip-secret-0,target=/root/.netrc');
    expect(ctx.dockerfile).toContain('--mount=type=secret,id=token');
    expect(ctx.dockerfile).not.toContain('MY_TOKEN');
    expect(ctx.secrets).toEqual([
      { id: 'imagespec-pip-secret-0', src: path.join(APP, 'netrc'), target: '/root/.netrc' },
      { id: 'token', env: 'MY_TOKEN' },
    ]);
  });

  test('multi-platform specs keep their platforms and a platform-neutral Dockerfile', async () => {
    const ctx = await renderBuild(
      planned(image({ platform: 'linux/amd64,linux/arm64', packages: ['numpy'], apt_packages: ['curl'] })),
    );
    expect(ctx.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(ctx.dockerfile).not.toMatch(/amd64|arm64/);
  });

  test('builder_options.network is passed to the build', async () => {
    const ctx = await renderBuild(planned(image({ builder_options: { network: 'host' } })));
    expect(ctx.network).toBe('host');
  });

  test('every cache mount the renderer can use is exported', async () => {
    const ids = ALL_CACHE_MOUNTS.map((c) => c.id);
    for (const id of ['imagespec-pip', 'imagespec-uv', 'imagespec-apt-cache', 'imagespec-micromamba']) {
      expect(ids).toContain(id);
    }
  });
});

describe('flyte flavor', () => {
  test("flytekit's default builder image: flytekit added, user, /root, PYTHONPATH, _F_IMG_ID last", async () => {
    const ctx = await renderBuild(
      planned(
        image({ python_version: '3.11', packages: ['pandas'], apt_packages: ['git'], env: { A: 'b' } }),
        {
          flavor: 'flyte',
        },
      ),
      { flytekitPackage: 'flytekit==1.14.0' },
    );
    const df = ctx.dockerfile;
    expect(df).toContain('FROM ghcr.io/astral-sh/uv:0.5.1 AS uv');
    expect(df).toContain('FROM mambaorg/micromamba:2.0.3-debian12-slim AS micromamba');
    expect(df).toContain('FROM debian:bookworm-slim');
    expect(df).toContain(
      'RUN ["/bin/sh", "-c", "id -u flytekit || useradd --create-home --shell /bin/bash flytekit"]',
    );
    expect(df).toContain(
      'RUN ["/bin/bash", "-c", "mkdir -p $HOME && echo \\"export PATH=$PATH\\" >> $HOME/.profile"]',
    );
    expect(df).toContain("'python=3.11'".replace(/'/g, ''));
    expect(df).toContain('PYTHONPATH="/root"');
    expect(df).toContain('uv pip install');
    expect(df).toContain('--requirement requirements_uv.txt');
    expect(df).toContain('WORKDIR /root');
    expect(df).toContain('USER flytekit');
    const req = ctx.files.find((f) => f.path === 'requirements_uv.txt')!;
    expect(req.content).toBe('pandas\nflytekit==1.14.0');
    const ins = instructions(ctx);
    expect(ins[ins.length - 1]).toBe('ENV');
    expect(df.trimEnd().split('\n').pop()).toBe('ENV _F_IMG_ID="abc123hash"');
  });

  test('flytekit is not added when the spec lists it', async () => {
    const ctx = await renderBuild(
      planned(image({ packages: ['flytekit>=1.10', 'pandas'] }), { flavor: 'flyte' }),
    );
    expect(ctx.files.find((f) => f.path === 'requirements_uv.txt')!.content).toBe('flytekit>=1.10\npandas');
  });

  test('python_exec replaces micromamba', async () => {
    const ctx = await renderBuild(
      planned(image({ python_exec: '/usr/bin/python3', base_image: 'python:3.11-slim' }), {
        flavor: 'flyte',
      }),
    );
    expect(ctx.dockerfile).not.toContain('micromamba create');
    expect(ctx.dockerfile).toContain('UV_PYTHON="/usr/bin/python3"');
  });
});

describe('custom Dockerfile', () => {
  test("builds the user's Dockerfile with its context, build args and target; child gets BASE_IMAGE", async () => {
    const dir = path.join(FIXTURES, 'custom');
    const ctx = await renderBuild(
      planned(
        image(
          {
            dockerfile: path.join(dir, 'Dockerfile'),
            build_context: dir,
            build_args: { VERSION: '1' },
            target: 'final',
            base_image_of: 'base',
          },
          dir,
        ),
        { baseReference: 'reg/base:t' },
      ),
    );
    expect(ctx.kind).toBe('dockerfile');
    expect(ctx.dockerfile).toContain('ARG BASE_IMAGE');
    expect(ctx.contextDir).toBe(dir);
    expect(ctx.buildArgs).toEqual({ VERSION: '1', BASE_IMAGE: 'reg/base:t' });
    expect(ctx.target).toBe('final');
  });
});

test('generic: python_exec and runtime_packages are reported as not used', async () => {
  const ctx = await renderBuild(
    planned(image({ python_exec: '/opt/py/bin/python', runtime_packages: ['rich'] })),
  );
  expect(ctx.warnings).toEqual([
    expect.stringMatching(/^images\.app\.python_exec: not used by the generic flavor.*remove python_exec/),
    expect.stringMatching(
      /^images\.app\.runtime_packages: not used by the generic flavor.*list them in packages/,
    ),
  ]);
  const plain = await renderBuild(planned(image()));
  expect(plain.warnings).toEqual([]);
});

describe('symlinks out of the repository root', () => {
  let tmp: string;
  let repo: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'imagespec-render-links-'));
    repo = path.join(tmp, 'repo');
    await mkdir(path.join(tmp, 'outside', 'dir'), { recursive: true });
    await writeFile(path.join(tmp, 'outside', 'secret.txt'), 'secret');
    await writeFile(path.join(tmp, 'outside', 'dir', 'a.txt'), 'a');
    for (const d of ['data', 'clean', 'src/pkg', 'ignored'])
      await mkdir(path.join(repo, d), { recursive: true });
    await writeFile(path.join(repo, 'data', 'ok.txt'), 'ok');
    await symlink('../../outside/secret.txt', path.join(repo, 'data', 'leak'));
    await writeFile(path.join(repo, 'clean', 'ok.txt'), 'ok');
    await symlink('ok.txt', path.join(repo, 'clean', 'inner'));
    await symlink('../data/ok.txt', path.join(repo, 'clean', 'sibling'));
    await writeFile(path.join(repo, 'src', 'pkg', 'mod.py'), 'x = 1');
    await symlink(path.join(tmp, 'outside', 'secret.txt'), path.join(repo, 'src', 'pkg', 'creds'));
    await symlink(path.join(tmp, 'outside', 'dir'), path.join(repo, 'linked'));
    await writeFile(path.join(repo, 'ignored', 'ok.txt'), 'ok');
    await symlink('../../outside/secret.txt', path.join(repo, 'ignored', 'leak'));
    await writeFile(path.join(repo, 'ignored', '.dockerignore'), 'leak\n');
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  const render = (fields: Partial<ImageSpec>) =>
    renderBuild(planned(image(fields, repo))).catch((e: unknown) => e as UserError);

  test('a link in a copy directory is refused, naming the link, its target and the fix', async () => {
    const err = await render({ copy: ['data'] });
    expect(err).toBeInstanceOf(UserError);
    expect(printed(err)).toMatch(
      /error: images\.app\.copy\[0\]: data\/leak is a symbolic link to \.\.\/\.\.\/outside\/secret\.txt, outside the repository root .*Remove the link, or add it to \.dockerignore/,
    );
  });

  test('a copy entry that is a linked directory is refused', async () => {
    const err = await render({ copy: ['clean', 'linked'] });
    expect(printed(err)).toMatch(
      /images\.app\.copy\[1\]: linked is a symbolic link to .*outside\/dir, outside/,
    );
  });

  test('a link under source_root is refused', async () => {
    const err = await render({ source_root: path.join(repo, 'src'), source_copy_mode: 'all' });
    expect(printed(err)).toMatch(
      /images\.app\.source_root: src\/pkg\/creds is a symbolic link to .*secret\.txt/,
    );
  });

  test('links inside the root, and ignored links, are kept', async () => {
    const ctx = (await render({ copy: ['clean', 'ignored'] })) as BuildContext;
    expect(ctx.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['copy/clean/inner', 'copy/clean/sibling', 'copy/ignored/ok.txt']),
    );
    expect(ctx.files.map((f) => f.path)).not.toContain('copy/ignored/leak');
  });
});
