/**
 * The `flyte` flavor: the image flytekit's default builder (flytekit/image_spec/default_builder.py) makes
 * for the same spec, so Flyte can run tasks in it: Python from micromamba (or `python_exec`), packages with
 * uv from a generated requirements file, flytekit added when absent, the `flytekit` user, `/root` as
 * workdir, `PYTHONPATH=/root`, and `_F_IMG_ID` set last. Spec values are quoted where flytekit pastes them.
 */
import type { PlannedImage } from '../spec/types.js';
import { readFileSync } from 'node:fs';
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

export async function renderFlyte(planned: PlannedImage, opts: RenderOptions): Promise<BuildContext> {
  const spec = planned.spec;
  const warnings: string[] = [];
  if (spec.python_installer === 'pip') {
    warnings.push(
      `${fieldPath(spec, 'python_installer')}: the flyte flavor installs with uv (as flytekit does); python_installer is ignored`,
    );
  }
  const tools = toolImages(spec);
  const mounted = secrets(spec);
  const secretMounts = mounted.map((m) => m.mount);
  const files: ContextFile[] = [];
  const caches: CacheMount[] = [];
  const { uv, aptCache, aptLists, micromamba, poetry } = CACHE_MOUNTS;
  const uvMount = `--mount=from=uv,source=/uv,target=/usr/bin/uv`;
  const df = new DockerfileWriter();

  df.line(`FROM ${tools.uv} AS uv`);
  df.line(`FROM ${tools.micromamba} AS micromamba`);
  df.section('Image')
    .line(`FROM ${baseImage(planned)}`)
    .line('USER root');

  if (spec.apt_packages.length > 0) {
    df.run(
      [cacheMount(aptCache.id, aptCache.target), cacheMount(aptLists.id, aptLists.target)],
      aptInstallScript(spec),
    );
    caches.push(aptCache, aptLists);
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

  // Python: python_exec as given, else a micromamba env with python_version and the conda packages.
  let pythonExec: string;
  let extraPath = '';
  if (spec.python_exec) {
    // The spec stage refuses conda packages and channels with python_exec (no conda environment).
    pythonExec = dockerString(spec.python_exec, { spec, path: 'python_exec' });
  } else {
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
    caches.push(micromamba);
    pythonExec = `${CONDA_ENV}/bin/python`;
    extraPath = `${CONDA_ENV}/bin`;
  }

  const env: Array<[string, string]> = [['PYTHONPATH', '/root'], ...Object.entries(spec.env)];
  const envPairs = envAssignments(spec, env);
  df.section('Configure user space').line(
    [
      `ENV PATH="${extraPath ? `${extraPath}:` : ''}\${PATH}"`,
      `UV_PYTHON=${pythonExec}`,
      'UV_COMPILE_BYTECODE=1',
      'UV_LINK_MODE=copy',
      'FLYTE_SDK_RICH_TRACEBACKS=0',
      'SSL_CERT_DIR=/etc/ssl/certs',
      ...envPairs,
    ].join(' \\\n    '),
  );

  // Python packages, as flytekit's prepare_python_install.
  const reqs = requirements(spec);
  const index = indexArgs(spec);
  if (reqs.kind === 'uv.lock' || reqs.kind === 'poetry.lock') {
    files.push({ path: reqs.kind, source: reqs.file }, { path: 'pyproject.toml', source: reqs.pyproject });
    const binds = [
      `--mount=type=bind,target=${reqs.kind},src=${reqs.kind}`,
      '--mount=type=bind,target=pyproject.toml,src=pyproject.toml',
    ];
    if (reqs.kind === 'uv.lock') {
      df.section('Python packages (uv.lock)').line('WORKDIR /root');
      df.run(
        [cacheMount(uv.id, uv.target), uvMount, ...binds, ...secretMounts],
        ['uv sync', ...index, '--locked --no-dev --no-install-project'],
      );
      caches.push(uv);
    } else {
      df.section('Python packages (poetry.lock)');
      df.run([cacheMount(uv.id, uv.target), uvMount], ['uv pip install poetry']);
      df.line('ENV POETRY_CACHE_DIR=/tmp/poetry_cache \\\n    POETRY_VIRTUALENVS_IN_PROJECT=true');
      df.line('WORKDIR /root');
      df.run(
        [cacheMount(poetry.id, '/tmp/poetry_cache'), ...binds, ...secretMounts],
        ['poetry install', ...index, '--no-root'],
      );
      caches.push(uv, { id: poetry.id, target: '/tmp/poetry_cache' });
    }
    df.line('WORKDIR /');
    df.line('ENV PATH="/root/.venv/bin:${PATH}" \\\n    UV_PYTHON=/root/.venv/bin/python');
  } else {
    const lines: string[] = [];
    if (reqs.kind === 'txt')
      lines.push(
        ...readFileSync(reqs.file, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.trim()),
      );
    spec.packages.forEach((p, i) => lines.push(singleLine(p, { spec, path: `packages[${i}]` })));
    if (!lines.some(isFlytekit)) lines.push(opts.flytekitPackage ?? 'flytekit');
    files.push({ path: 'requirements_uv.txt', content: lines.join('\n') });
    df.section('Python packages').run(
      [
        cacheMount(uv.id, uv.target),
        uvMount,
        '--mount=type=bind,target=requirements_uv.txt,src=requirements_uv.txt',
        ...secretMounts,
      ],
      ['uv pip install', ...index, '--requirement requirements_uv.txt'],
    );
    caches.push(uv);
  }

  df.line('# Adds nvidia just in case it exists');
  df.line(
    'ENV PATH="${PATH}:/usr/local/nvidia/bin:/usr/local/cuda/bin" \\\n    LD_LIBRARY_PATH="/usr/local/nvidia/lib64:${LD_LIBRARY_PATH}"',
  );
  const entrypoint = entrypointLine(spec);
  if (entrypoint) df.line(entrypoint);

  const trees = await fileTrees(spec);
  if (trees.source.length > 0) df.line('COPY --chown=flytekit source/ /root/');
  if (trees.copy.length > 0) df.line('COPY --chown=flytekit copy/ /root/');
  files.push(...trees.source, ...trees.copy);

  if (spec.commands.length > 0) {
    spec.commands.forEach((c, i) => commandLine(c, { spec, path: `commands[${i}]` }));
    df.section('Commands').run(
      [cacheMount(uv.id, uv.target), uvMount, ...secretMounts],
      [spec.commands.join(' && ')],
    );
  }

  df.section('User').line('WORKDIR /root').line('SHELL ["/bin/bash", "-c"]').line('USER flytekit');
  df.run([], ['mkdir -p $HOME && echo "export PATH=$PATH" >> $HOME/.profile'], ['/bin/bash', '-c']);
  const allLabels = labels(planned, opts);
  df.line(labelLine(spec, allLabels));
  df.line('# Set last, so a change of the spec id invalidates only this layer');
  df.line(`ENV _F_IMG_ID=${dockerString(planned.imageId ?? planned.specHash, { spec, path: '' })}`);

  return renderedContext(planned, {
    dockerfile: df.text(),
    files,
    mounted,
    labels: allLabels,
    cacheMounts: dedupe(caches),
    warnings,
  });
}

function dedupe(caches: CacheMount[]): CacheMount[] {
  const seen = new Set<string>();
  return caches.filter((c) => (seen.has(c.id) ? false : (seen.add(c.id), true)));
}
