/**
 * The `generic` flavor: a lean image with the spec's contents, layered by how rarely each part changes:
 * base → apt → conda (micromamba) → Python packages → copied files → source → commands → env,
 * entrypoint, labels.
 */
import type { ImageSpec, PlannedImage } from '../spec/types.js';
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
  type MountedSecret,
} from './common.js';
import type { ContextFile } from './context.js';
import { CACHE_MOUNTS, CONDA_ENV, VENV } from './defaults.js';
import { DockerfileWriter, cacheMount } from './dockerfile.js';
import { commandLine, fieldPath, shQuote, singleLine } from './quote.js';
import type { BuildContext, CacheMount, RenderOptions } from './types.js';

/** Where generated files are bind-mounted during RUN steps (never part of a layer). */
const MOUNT_DIR = '/tmp/imagespec';

/**
 * Finds the Python to install into and switches to a venv when that Python is externally managed
 * (PEP 668, e.g. Debian's python3). Decided when the image builds, from the base image itself.
 */
function pythonProbe(makeVenv: string): string[] {
  return [
    'set -e;',
    'py="$(command -v python3 || command -v python || true)";',
    `if [ -z "$py" ]; then echo 'imagespec: the base image has no python3: set python_version, conda_packages or a base_image with Python' >&2; exit 1; fi;`,
    `if "$py" -c 'import os, sys, sysconfig; sys.exit(0 if sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then`,
    `  ${makeVenv}; py=${VENV}/bin/python;`,
    'fi;',
  ];
}

interface Step {
  mounts: string[];
  script: string[];
  files: ContextFile[];
  caches: CacheMount[];
}

function aptStep(spec: ImageSpec): Step | undefined {
  if (spec.apt_packages.length === 0) return undefined;
  const { aptCache, aptLists } = CACHE_MOUNTS;
  return {
    mounts: [cacheMount(aptCache.id, aptCache.target), cacheMount(aptLists.id, aptLists.target)],
    script: aptInstallScript(spec),
    files: [],
    caches: [aptCache, aptLists],
  };
}

function condaStep(spec: ImageSpec, micromambaImage: string): Step | undefined {
  if (spec.conda_packages.length === 0) return undefined;
  const args: string[] = ['-c conda-forge'];
  spec.conda_channels.forEach((c, i) =>
    args.push(`-c ${shQuote(c, { spec, path: `conda_channels[${i}]` })}`),
  );
  if (spec.python_version)
    args.push(shQuote(`python=${spec.python_version}`, { spec, path: 'python_version' }));
  spec.conda_packages.forEach((p, i) => args.push(shQuote(p, { spec, path: `conda_packages[${i}]` })));
  const { micromamba } = CACHE_MOUNTS;
  return {
    mounts: [
      cacheMount(micromamba.id, micromamba.target),
      `--mount=from=${micromambaImage},source=/usr/bin/micromamba,target=/usr/local/bin/micromamba`,
      `--mount=from=${micromambaImage},source=/etc/ssl/certs/ca-certificates.crt,target=${MOUNT_DIR}/ca-certificates.crt`,
    ],
    script: [
      // micromamba needs CA certificates; bases without them get the micromamba image's bundle (as in flytekit).
      `{ [ -f /etc/ssl/certs/ca-certificates.crt ] || { mkdir -p /etc/ssl/certs && cp ${MOUNT_DIR}/ca-certificates.crt /etc/ssl/certs/; }; }`,
      '&& micromamba config set use_lockfiles False',
      '&& micromamba create -y -n runtime --root-prefix /opt/micromamba',
      ...args,
    ],
    files: [],
    caches: [micromamba],
  };
}

/** A `packages` entry that is an installer option (`--pre`, `-f URL`, `--extra-index-url URL`), not a requirement. */
function isOptionLine(entry: string): boolean {
  return entry.trimStart().startsWith('-');
}

/**
 * flytekit's builder writes `packages` into a requirements file, where option lines are valid. When an entry
 * is an option, this flavor does the same: the entries become the lines of a file in the build context (data,
 * never part of the Dockerfile or a shell command), installed with `-r`. Otherwise each package is one
 * quoted argument, which means the same thing.
 */
function packagesAsFile(spec: ImageSpec): ContextFile | undefined {
  if (!spec.packages.some(isOptionLine)) return undefined;
  const lines = spec.packages.map((p, i) => singleLine(p, { spec, path: `packages[${i}]` }));
  return { path: '.imagespec/packages.txt', content: `${lines.join('\n')}\n` };
}

function pythonStep(spec: ImageSpec, uvImage: string, mounted: MountedSecret[]): Step | undefined {
  const reqs = requirements(spec);
  if (reqs.kind === 'none' && spec.packages.length === 0) return undefined;
  const secretMounts = mounted.map((m) => m.mount);
  let pkgs = spec.packages.map((p, i) => shQuote(p, { spec, path: `packages[${i}]` }));
  const index = indexArgs(spec);
  const uvMount = `--mount=from=${uvImage},source=/uv,target=/usr/local/bin/uv`;

  if (reqs.kind === 'uv.lock' || reqs.kind === 'poetry.lock') {
    // Installed with uv; the spec stage refuses python_installer: pip with a lock file.
    const project = `${MOUNT_DIR}/project`;
    const files: ContextFile[] = [
      { path: `.imagespec/project/${reqs.kind}`, source: reqs.file },
      { path: '.imagespec/project/pyproject.toml', source: reqs.pyproject },
    ];
    const binds = files.map(
      (f) => `--mount=type=bind,source=${f.path},target=${project}/${f.path.split('/').pop()}`,
    );
    const { uv, poetry } = CACHE_MOUNTS;
    const probe = pythonProbe(`uv venv --system-site-packages --python "$py" ${VENV}`);
    // Both lock files install into the one venv; PATH already points there.
    const install =
      reqs.kind === 'uv.lock'
        ? [
            `cd ${project};`,
            `UV_PROJECT_ENVIRONMENT=${VENV} UV_LINK_MODE=copy uv sync --locked --no-dev --no-install-project --python "$py"`,
            ...index,
          ]
        : [
            `[ -x ${VENV}/bin/python ] || uv venv --python "$py" ${VENV};`,
            `cd ${project};`,
            `VIRTUAL_ENV=${VENV} UV_LINK_MODE=copy uv tool run --from poetry poetry install --no-root --no-interaction`,
          ];
    return {
      mounts: [
        cacheMount(uv.id, uv.target),
        ...(reqs.kind === 'poetry.lock' ? [cacheMount(poetry.id, poetry.target)] : []),
        uvMount,
        ...binds,
        ...secretMounts,
      ],
      script: [...probe.slice(0, 3), ...install],
      files,
      caches: reqs.kind === 'poetry.lock' ? [uv, poetry] : [uv],
    };
  }

  const files: ContextFile[] = [];
  const mounts: string[] = [];
  const reqArgs: string[] = [];
  if (reqs.kind === 'txt') {
    files.push({ path: '.imagespec/requirements.txt', source: reqs.file });
    mounts.push(`--mount=type=bind,source=.imagespec/requirements.txt,target=${MOUNT_DIR}/requirements.txt`);
    reqArgs.push(`-r ${MOUNT_DIR}/requirements.txt`);
  }
  const packagesFile = packagesAsFile(spec);
  if (packagesFile) {
    files.push(packagesFile);
    mounts.push(`--mount=type=bind,source=${packagesFile.path},target=${MOUNT_DIR}/packages.txt`);
    reqArgs.push(`-r ${MOUNT_DIR}/packages.txt`);
    pkgs = [];
  }
  if (spec.python_installer === 'pip') {
    const { pip } = CACHE_MOUNTS;
    return {
      mounts: [cacheMount(pip.id, pip.target), ...mounts, ...secretMounts],
      script: [
        ...pythonProbe(`"$py" -m venv --system-site-packages ${VENV}`),
        'PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore "$py" -m pip install',
        ...index,
        ...reqArgs,
        ...pkgs,
      ],
      files,
      caches: [pip],
    };
  }
  const { uv } = CACHE_MOUNTS;
  return {
    mounts: [cacheMount(uv.id, uv.target), uvMount, ...mounts, ...secretMounts],
    script: [
      ...pythonProbe(`uv venv --system-site-packages --python "$py" ${VENV}`),
      'UV_LINK_MODE=copy uv pip install --python "$py"',
      ...index,
      ...reqArgs,
      ...pkgs,
    ],
    files,
    caches: [uv],
  };
}

/** Renders the generic flavor. */
export async function renderGeneric(planned: PlannedImage, opts: RenderOptions): Promise<BuildContext> {
  const spec = planned.spec;
  const warnings: string[] = [];
  const tools = toolImages(spec);
  const mounted = secrets(spec);
  const df = new DockerfileWriter();
  const base = baseImage(planned);
  if (spec.base_image && spec.python_version && spec.conda_packages.length === 0) {
    warnings.push(
      `${fieldPath(spec, 'python_version')}: python_version ${spec.python_version} is not installed: with base_image, the base's Python is used (add conda_packages to get a conda Python of that version)`,
    );
  }

  if (spec.python_exec) {
    warnings.push(
      `${fieldPath(spec, 'python_exec')}: not used by the generic flavor, which installs into the base image's ` +
        'Python (or a venv made from it); remove python_exec, or use flavor: flyte',
    );
  }
  if (spec.runtime_packages.length > 0) {
    warnings.push(
      `${fieldPath(spec, 'runtime_packages')}: not used by the generic flavor (flytekit installs them when a ` +
        'Flyte task starts); list them in packages to install them into the image',
    );
  }

  df.line(`FROM ${base}`);
  const files: ContextFile[] = [];
  const caches: CacheMount[] = [];
  const add = (comment: string, step: Step | undefined): void => {
    if (!step) return;
    df.section(comment).run(step.mounts, step.script);
    files.push(...step.files);
    caches.push(...step.caches);
  };

  add('System packages', aptStep(spec));
  const conda = condaStep(spec, tools.micromamba);
  if (conda) {
    add('Conda environment (micromamba)', conda);
    df.line(`ENV PATH="${CONDA_ENV}/bin:\${PATH}"`);
  }
  const python = pythonStep(spec, tools.uv, mounted);
  if (python) {
    df.section(`Python packages (${spec.python_installer})`);
    // A venv is made only when needed (decided in the RUN step); putting it on PATH is harmless otherwise.
    df.line(`ENV PATH="${VENV}/bin:\${PATH}"`);
    df.run(python.mounts, python.script);
    files.push(...python.files);
    caches.push(...python.caches);
  }

  const trees = await fileTrees(spec);
  if (trees.copy.length > 0 || trees.source.length > 0) {
    df.section('Files').line('WORKDIR /root');
    if (trees.copy.length > 0) df.line('COPY copy/ /root/');
    if (trees.source.length > 0) df.line('COPY source/ /root/');
    files.push(...trees.copy, ...trees.source);
  }

  if (spec.commands.length > 0) {
    df.section('Commands');
    spec.commands.forEach((cmd, i) => {
      // Commands are shell by design; exec form keeps each one inside its own RUN, whatever it holds.
      commandLine(cmd, { spec, path: `commands[${i}]` });
      df.run(
        mounted.map((m) => m.mount),
        [cmd],
      );
    });
  }

  const envEntries = Object.entries(spec.env);
  const entrypoint = entrypointLine(spec);
  const allLabels = labels(planned, opts);
  df.section('Runtime configuration');
  if (envEntries.length > 0) {
    df.line(`ENV ${envAssignments(spec, envEntries).join(' \\\n    ')}`);
  }
  if (entrypoint) df.line(entrypoint);
  df.line(labelLine(spec, allLabels));

  return renderedContext(planned, {
    dockerfile: df.text(),
    files,
    mounted,
    labels: allLabels,
    cacheMounts: caches,
    warnings,
  });
}
