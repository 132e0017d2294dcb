/**
 * The `flyte` flavor: the image flytekit's default builder (flytekit/image_spec/default_builder.py) makes
 * for the same spec, so Flyte can run tasks in it: Python from micromamba (or `python_exec`), packages with
 * uv from a generated requirements file, flytekit added when absent, the `flytekit` user, `/root` as
 * workdir, `PYTHONPATH=/root`, and `_F_IMG_ID` set last. Spec values are quoted where flytekit pastes them.
 */
import type { ImageSpec, PlannedImage } from '../spec/types.js';
import { LIMITS, readLimitedSync } from '../spec/limits.js';
import {
  aptInstallScript,
  baseImage,
  entrypointLine,
  envAssignments,
  fileTrees,
  indexArgs,
  labelLine,
  labels,
  renderedContext,
  requirements,
  secrets,
  toolImages,
} from './common.js';
import type { ContextFile } from './context.js';
import { CACHE_MOUNTS, CONDA_ENV, DEFAULT_FLYTE_PYTHON } from './defaults.js';
import { DockerfileWriter, cacheMount } from './dockerfile.js';
import { commandLine, dockerString, fieldPath, shQuote, singleLine } from './quote.js';
import type { BuildContext, CacheMount, RenderOptions } from './types.js';

/** flytekit's rule: the requirement's leading name is exactly `flytekit`. */
export function isFlytekit(requirement: string): boolean {
  return /^[\w-]+/.exec(requirement)?.[0] === 'flytekit';
}

/** What the sections of the flyte Dockerfile share while it is written. */
interface FlyteDraft {
  planned: PlannedImage;
  spec: ImageSpec;
  df: DockerfileWriter;
  files: ContextFile[];
  caches: CacheMount[];
  secretMounts: string[];
}

const UV_MOUNT = `--mount=from=uv,source=/uv,target=/usr/bin/uv`;

/** Tool stages, the base image, apt packages, CA certificates and the `flytekit` user. */
function systemSection(d: FlyteDraft, tools: { uv: string; micromamba: string }): void {
  const { df, spec } = d;
  const { aptCache, aptLists } = CACHE_MOUNTS;
  df.line(`FROM ${tools.uv} AS uv`);
  df.line(`FROM ${tools.micromamba} AS micromamba`);
  df.section('Image')
    .line(`FROM ${baseImage(d.planned)}`)
    .line('USER root');
  if (spec.apt_packages.length > 0) {
    df.run(
      [cacheMount(aptCache.id, aptCache.target), cacheMount(aptLists.id, aptLists.target)],
      aptInstallScript(spec),
    );
    d.caches.push(aptCache, aptLists);
  }
  df.run(
    ['--mount=from=micromamba,source=/etc/ssl/certs/ca-certificates.crt,target=/tmp/ca-certificates.crt'],
    [
      '[ -f /etc/ssl/certs/ca-certificates.crt ] ||',
      'mkdir -p /etc/ssl/certs/ && cp /tmp/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt',
    ],
  );
  df.run([], ['id -u flytekit || useradd --create-home --shell /bin/bash flytekit']);
  df.run([], ['chown -R flytekit /root && chown -R flytekit /home']);
}

/**
 * Python: `python_exec` as given (the spec stage refuses conda packages with it), else a micromamba env
 * with `python_version` and the conda packages. Returns the interpreter and the directory to put on PATH.
 */
function pythonSection(d: FlyteDraft): { pythonExec: string; extraPath: string } {
  const { df, spec } = d;
  if (spec.python_exec) {
    return { pythonExec: dockerString(spec.python_exec, { spec, path: 'python_exec' }), extraPath: '' };
  }
  const { micromamba } = CACHE_MOUNTS;
  const version = spec.python_version ?? DEFAULT_FLYTE_PYTHON;
  df.section('Python (micromamba)').run(
    [
      cacheMount(micromamba.id, micromamba.target),
      '--mount=from=micromamba,source=/usr/bin/micromamba,target=/usr/bin/micromamba',
    ],
    [
      'micromamba config set use_lockfiles False &&',
      'micromamba create -n runtime --root-prefix /opt/micromamba',
      '-c conda-forge',
      ...spec.conda_channels.map((c, i) => `-c ${shQuote(c, { spec, path: `conda_channels[${i}]` })}`),
      shQuote(`python=${version}`, { spec, path: 'python_version' }),
      ...spec.conda_packages.map((p, i) => shQuote(p, { spec, path: `conda_packages[${i}]` })),
    ],
  );
  d.caches.push(micromamba);
  return { pythonExec: `${CONDA_ENV}/bin/python`, extraPath: `${CONDA_ENV}/bin` };
}

/** PATH, uv settings and the spec's `env`, as flytekit's "Configure user space" ENV. */
function envSection(d: FlyteDraft, python: { pythonExec: string; extraPath: string }): void {
  const env: Array<[string, string]> = [['PYTHONPATH', '/root'], ...Object.entries(d.spec.env)];
  d.df
    .section('Configure user space')
    .line(
      [
        `ENV PATH="${python.extraPath ? `${python.extraPath}:` : ''}\${PATH}"`,
        `UV_PYTHON=${python.pythonExec}`,
        'UV_COMPILE_BYTECODE=1',
        'UV_LINK_MODE=copy',
        'FLYTE_SDK_RICH_TRACEBACKS=0',
        'SSL_CERT_DIR=/etc/ssl/certs',
        ...envAssignments(d.spec, env),
      ].join(' \\\n    '),
    );
}

/** A uv.lock or poetry.lock installed into the project venv under /root. */
function lockSection(
  d: FlyteDraft,
  reqs: { kind: 'uv.lock' | 'poetry.lock'; file: string; pyproject: string },
): void {
  const { df } = d;
  const { uv, poetry } = CACHE_MOUNTS;
  const index = indexArgs(d.spec);
  d.files.push({ path: reqs.kind, source: reqs.file }, { path: 'pyproject.toml', source: reqs.pyproject });
  const binds = [
    `--mount=type=bind,target=${reqs.kind},src=${reqs.kind}`,
    '--mount=type=bind,target=pyproject.toml,src=pyproject.toml',
  ];
  if (reqs.kind === 'uv.lock') {
    df.section('Python packages (uv.lock)').line('WORKDIR /root');
    df.run(
      [cacheMount(uv.id, uv.target), UV_MOUNT, ...binds, ...d.secretMounts],
      ['uv sync', ...index, '--locked --no-dev --no-install-project'],
    );
    d.caches.push(uv);
  } else {
    df.section('Python packages (poetry.lock)');
    df.run([cacheMount(uv.id, uv.target), UV_MOUNT], ['uv pip install poetry']);
    df.line('ENV POETRY_CACHE_DIR=/tmp/poetry_cache \\\n    POETRY_VIRTUALENVS_IN_PROJECT=true');
    df.line('WORKDIR /root');
    df.run(
      [cacheMount(poetry.id, '/tmp/poetry_cache'), ...binds, ...d.secretMounts],
      ['poetry install', ...index, '--no-root'],
    );
    d.caches.push(uv, { id: poetry.id, target: '/tmp/poetry_cache' });
  }
  df.line('WORKDIR /');
  df.line('ENV PATH="/root/.venv/bin:${PATH}" \\\n    UV_PYTHON=/root/.venv/bin/python');
}

/**
 * Python packages, as flytekit's prepare_python_install: a lock file, or one requirements file holding the
 * `requirements` file's lines, then `packages` (so pip option lines keep their meaning), with flytekit added.
 */
function packagesSection(d: FlyteDraft, opts: RenderOptions): void {
  const { spec } = d;
  const reqs = requirements(spec);
  if (reqs.kind === 'uv.lock' || reqs.kind === 'poetry.lock') return lockSection(d, reqs);
  const { uv } = CACHE_MOUNTS;
  const lines: string[] = [];
  if (reqs.kind === 'txt')
    lines.push(
      ...readLimitedSync(reqs.file, LIMITS.requirementsBytes, 'requirements file')
        .toString('utf8')
        .split(/\r?\n/)
        .map((l) => l.trim()),
    );
  spec.packages.forEach((p, i) => lines.push(singleLine(p, { spec, path: `packages[${i}]` })));
  if (!lines.some(isFlytekit)) lines.push(opts.flytekitPackage ?? 'flytekit');
  d.files.push({ path: 'requirements_uv.txt', content: lines.join('\n') });
  d.df
    .section('Python packages')
    .run(
      [
        cacheMount(uv.id, uv.target),
        UV_MOUNT,
        '--mount=type=bind,target=requirements_uv.txt,src=requirements_uv.txt',
        ...d.secretMounts,
      ],
      ['uv pip install', ...indexArgs(spec), '--requirement requirements_uv.txt'],
    );
  d.caches.push(uv);
}

/** The nvidia paths, the entrypoint, copied files and the spec's commands. */
async function filesAndCommands(d: FlyteDraft): Promise<void> {
  const { df, spec } = d;
  const { uv } = CACHE_MOUNTS;
  df.line('# Adds nvidia just in case it exists');
  df.line(
    'ENV PATH="${PATH}:/usr/local/nvidia/bin:/usr/local/cuda/bin" \\\n    LD_LIBRARY_PATH="/usr/local/nvidia/lib64:${LD_LIBRARY_PATH}"',
  );
  const entrypoint = entrypointLine(spec);
  if (entrypoint) df.line(entrypoint);

  const trees = await fileTrees(spec);
  if (trees.source.length > 0) df.line('COPY --chown=flytekit source/ /root/');
  if (trees.copy.length > 0) df.line('COPY --chown=flytekit copy/ /root/');
  d.files.push(...trees.source, ...trees.copy);

  if (spec.commands.length > 0) {
    spec.commands.forEach((c, i) => commandLine(c, { spec, path: `commands[${i}]` }));
    df.section('Commands').run(
      [cacheMount(uv.id, uv.target), UV_MOUNT, ...d.secretMounts],
      [spec.commands.join(' && ')],
    );
  }
}

export async function renderFlyte(planned: PlannedImage, opts: RenderOptions): Promise<BuildContext> {
  const spec = planned.spec;
  const warnings: string[] = [];
  if (spec.python_installer === 'pip') {
    warnings.push(
      `${fieldPath(spec, 'python_installer')}: the flyte flavor installs with uv (as flytekit does); python_installer is ignored`,
    );
  }
  const mounted = secrets(spec);
  const d: FlyteDraft = {
    planned,
    spec,
    df: new DockerfileWriter(),
    files: [],
    caches: [],
    secretMounts: mounted.map((m) => m.mount),
  };
  systemSection(d, toolImages(spec));
  envSection(d, pythonSection(d));
  packagesSection(d, opts);
  await filesAndCommands(d);

  const { df } = d;
  df.section('User').line('WORKDIR /root').line('SHELL ["/bin/bash", "-c"]').line('USER flytekit');
  df.run([], ['mkdir -p $HOME && echo "export PATH=$PATH" >> $HOME/.profile'], ['/bin/bash', '-c']);
  const allLabels = labels(planned, opts);
  df.line(labelLine(spec, allLabels));
  df.line('# Set last, so a change of the spec id invalidates only this layer');
  df.line(`ENV _F_IMG_ID=${dockerString(planned.imageId ?? planned.specHash, { spec, path: '' })}`);

  return renderedContext(planned, {
    dockerfile: df.text(),
    files: d.files,
    mounted,
    labels: allLabels,
    cacheMounts: dedupe(d.caches),
    warnings,
  });
}

function dedupe(caches: CacheMount[]): CacheMount[] {
  const seen = new Set<string>();
  return caches.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
}
