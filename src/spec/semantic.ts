/**
 * Checks beyond the JSON Schema: keys YAML typed as non-strings, files on disk, references, formats, and the
 * rules of the build itself (what flytekit's builder and this tool's renderer cannot honour). One small
 * function per rule; `STRICT` runs for validate, plan, render and build, `HASH` for tag and explain.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Flavor } from '../choices.js';
import { argWords } from './args.js';
import type { SpecDocument } from './load.js';
import { childPath } from './load.js';
import { copyModeOf, field, pyTruthy, specPath, type ImageContext, type ImageSource } from './image.js';
import { checkPath, report, type Ctx } from './paths.js';
import { COMMON_PLATFORMS, TAG_RE, isBareName, referenceProblem, platformProblem } from './reference.js';
import type { SpecMode } from './schema.js';
import { didYouMean } from './suggest.js';
import { tagFormatProblem } from './tag-format.js';
import { NOOP_BUILDER, type Diagnostic, type PyValue, type SourcePos } from './types.js';
import { displayValue, pyTypeName } from './yaml11.js';
import { MAX_LINE_BYTES, jsonString } from '../util/dockerfile-line.js';

/** What a RUN line holds besides its script: the instruction or indentation, the shell, brackets, quotes. */
const RUN_LINE_OVERHEAD = 64;

/**
 * Mapping keys that YAML typed as something other than a string (`on:` is True, `1:` is 1).
 * With `fieldsOnly`, only keys of the document, of `images:` and of an image (the ones Python passes as
 * keywords to `ImageSpec(**d)`, which must be strings); keys inside field values such as `env` are
 * left to the field.
 */
export function keyDiagnostics(doc: SpecDocument, fieldsOnly = false): Diagnostic[] {
  const structural = (path: string): boolean =>
    path === '' || path === 'images' || /^images(\.[A-Za-z_][A-Za-z0-9_-]*|\[[^\]]*\])$/.test(path);
  const out: Diagnostic[] = [];
  const walk = (value: PyValue, path: string, freeForm: boolean): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, childPath(path, i), freeForm));
      return;
    }
    if (value === null || typeof value !== 'object' || value.type !== 'dict') return;
    for (const [k, v] of value.entries) {
      if (typeof k === 'string' && k.startsWith('x-')) continue; // ignored anchor/notes fields
      const p = childPath(path, k);
      if (typeof k !== 'string' && !freeForm && (!fieldsOnly || structural(path))) {
        const node = doc.nodes.get(p);
        const at = node?.keyPos ??
          node?.pos ??
          doc.nodes.get(path)?.pos ?? { file: doc.file, line: 1, col: 1 };
        out.push({
          file: at.file,
          line: at.line,
          col: at.col,
          path: p,
          message: keyMessage(k, node?.keyText),
        });
      }
      // builder_options values are free-form Python values (Dict[str, Any]).
      walk(v, p, freeForm || /(^|\.)builder_options$/.test(path));
    }
  };
  walk(doc.value, '', false);
  return out;
}

function keyMessage(key: PyValue, text: string | undefined): string {
  const written = text ?? displayValue(key);
  const reads =
    typeof key === 'boolean'
      ? `the boolean ${displayValue(key)}`
      : key === null
        ? 'null'
        : displayValue(key) === written
          ? pyTypeName(key)
          : `${pyTypeName(key)} (${displayValue(key)})`;
  return `key ${written} reads as ${reads}, not a string; quote it: "${written}"`;
}

/** Python `str.format` fields of a template: `{spec_hash}` → ['spec_hash']; `{{` and `}}` are literal braces. */
function formatFields(template: string): { fields: string[]; broken: boolean } {
  const fields: string[] = [];
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{') {
      if (template[i + 1] === '{') {
        i++;
        continue;
      }
      const end = template.indexOf('}', i);
      if (end < 0) return { fields, broken: true };
      fields.push(template.slice(i + 1, end));
      i = end;
    } else if (c === '}') {
      if (template[i + 1] === '}') {
        i++;
        continue;
      }
      return { fields, broken: true };
    }
  }
  return { fields, broken: false };
}

/** One image under check: its fields, their document paths and positions, and where problems go. */
class ImageCheck {
  constructor(
    readonly src: ImageSource,
    readonly ctx: Ctx,
  ) {}

  /** The document path of a field of this image. */
  p(name: string): string {
    return this.src.prefix ? `${this.src.prefix}.${name}` : name;
  }

  value(name: string): PyValue | undefined {
    return field(this.src, name);
  }

  /** The field is set (not null) and passed the schema, so its value has the schema's type. */
  ok(name: string): boolean {
    const v = this.value(name);
    return v !== undefined && v !== null && !this.refused(name);
  }

  /** The schema already refused the field (or the whole image). */
  refused(name: string): boolean {
    const full = this.p(name);
    for (const f of this.ctx.failed)
      if (f === full || f.startsWith(`${full}.`) || f.startsWith(`${full}[`)) return true;
    return this.ctx.failed.has(this.src.prefix) && this.src.prefix !== '';
  }

  s(name: string): string {
    return this.value(name) as string;
  }

  at(path: string, key = false): SourcePos {
    const n = this.ctx.doc.nodes.get(path);
    return (
      (key ? n?.keyPos : undefined) ??
      n?.pos ??
      this.ctx.doc.nodes.get(this.src.prefix)?.pos ?? { file: this.ctx.doc.file, line: 1, col: 1 }
    );
  }

  report(path: string, message: string, key = false): void {
    report(this.ctx, this.at(path, key), path, message);
  }

  get flavor(): Flavor {
    return this.ctx.flavor;
  }

  /** The image is built from the user's own Dockerfile: the rendered-build rules do not apply. */
  get ownDockerfile(): boolean {
    return typeof this.value('dockerfile') === 'string';
  }
}

type Check = (c: ImageCheck) => void | Promise<void>;

/** Repository name: registry/name after lowercasing, as flytekit does. */
const checkRepository: Check = (c) => {
  const { src, ctx } = c;
  const nameOk = c.value('name') === undefined || c.ok('name');
  const registryOk = c.value('registry') === undefined || c.value('registry') === null || c.ok('registry');
  if (!nameOk || !registryOk) return;
  const name = (
    typeof c.value('name') === 'string' ? c.s('name') : src.inMap ? src.id : 'flytekit'
  ).toLowerCase();
  const registry = typeof c.value('registry') === 'string' ? c.s('registry').toLowerCase() : undefined;
  if (c.value('name') === undefined && ctx.failed.has(src.prefix)) return; // the key itself, already reported
  if (c.value('name') === undefined && referenceProblem(name) !== undefined) {
    c.report(
      src.prefix,
      `image key ${JSON.stringify(src.id)} is used as the image name but is not a valid one; add name: with letters, digits and single . _ - separators`,
      true,
    );
    return;
  }
  // An empty registry means none, as in flytekit: built, not pushed.
  if (!registry) return;
  const problem = referenceProblem(`${registry}/${name}`);
  if (problem !== undefined) {
    c.report(
      c.p('registry'),
      `${c.p('registry')} ${JSON.stringify(c.s('registry'))} does not form a valid image name with name ("${registry}/${name}": ${problem}); write a host[:port] and path, e.g. "ghcr.io/my-org"`,
    );
  }
};

/** `tag_format` may only use `{spec_hash}` and must give a valid tag. */
const checkTagFormat: Check = (c) => {
  if (!c.ok('tag_format')) return;
  const path = c.p('tag_format');
  const { fields, broken } = formatFields(c.s('tag_format'));
  const others = fields.filter((f) => f !== 'spec_hash');
  if (broken) {
    c.report(path, `${path} has an unmatched brace; write {{ or }} for a literal brace`);
  } else if (others.length > 0) {
    c.report(
      path,
      `${path} may only use {spec_hash}; {${others[0]}} is unknown (write {{ and }} for literal braces)`,
    );
  } else {
    const example = c
      .s('tag_format')
      .replace(/\{spec_hash\}/g, 'x'.repeat(22))
      .replace(/\{\{/g, '{')
      .replace(/\}\}/g, '}');
    if (!TAG_RE.test(example)) {
      c.report(
        path,
        `${path} does not give a valid tag: use letters, digits, _ . - (not starting with . or -), at most 128 characters with the 22-character hash`,
      );
    }
  }
};

/** Every platform is OS/ARCH[/VARIANT] and listed once. */
const checkPlatform: Check = (c) => {
  if (!c.ok('platform')) return;
  const path = c.p('platform');
  const seen = new Set<string>();
  for (const platform of c.s('platform').split(',')) {
    const problem = platformProblem(platform);
    if (problem) {
      c.report(path, `${path} "${platform}" ${problem}${didYouMean(platform, COMMON_PLATFORMS)}`);
    } else if (seen.has(platform)) {
      c.report(path, `${path} lists "${platform}" twice; remove one`);
    }
    seen.add(platform);
  }
};

/** `base_image`: another image of the file, or a valid reference. */
const checkBaseImage: Check = (c) => {
  if (!c.ok('base_image')) return;
  const { src, ctx } = c;
  const path = c.p('base_image');
  const base = c.s('base_image');
  if (src.inMap && base === src.id) {
    c.report(path, `${path} names this image itself; give a registry image or another image of the file`);
  } else if (src.inMap && ctx.keys.has(base)) {
    // A layered build on a sibling image: ordered and cycle-checked by graph.ts.
  } else if (src.inMap && isBareName(base)) {
    const keys = [...ctx.keys];
    c.report(
      path,
      `${path} "${base}" names no image of this file (images: ${keys.join(', ')})${didYouMean(base, keys) || ';'} for a registry image, write it with a tag, e.g. "${base}:latest"`,
    );
  } else {
    const problem = referenceProblem(base);
    if (problem !== undefined) {
      c.report(
        path,
        `${path} ${JSON.stringify(base)} is not a valid image reference (${problem}); write NAME[:TAG][@DIGEST], e.g. "python:3.11-slim"`,
      );
    }
  }
};

/**
 * `builder: noop` (flytekit's NoOpBuilder) uses `base_image` as the image: it must be set, and be a registry
 * image, not another image of the file (flytekit's noop builder refuses anything but a string).
 */
const checkNoop: Check = (c) => {
  if (!c.ok('builder') || c.s('builder') !== NOOP_BUILDER) return;
  const base = c.value('base_image');
  if (typeof base !== 'string' || base === '') {
    const path = c.p('builder');
    c.report(
      path,
      `${path}: noop uses base_image as the image and builds nothing, but base_image is not set; set base_image to the existing image, e.g. "ghcr.io/acme/app:1.0"`,
    );
  } else if (c.src.inMap && c.ctx.keys.has(base)) {
    const path = c.p('base_image');
    c.report(
      path,
      `${path} "${base}" is another image of this file, but with builder: noop it must be an existing registry image (flytekit's noop builder needs a string); write that image's reference, or remove builder: noop`,
    );
  }
};

/**
 * A `source_copy_mode` other than no_copy needs a `source_root` to copy from: flytekit's tag raises without
 * one (both modes).
 */
const checkCopyModeNeedsRoot: Check = (c) => {
  const mode = c.value('source_copy_mode');
  if (mode === undefined || mode === null || pyTruthy(c.value('source_root') ?? null)) return;
  if (typeof mode === 'string' && copyModeOf(mode) === 'no_copy') return;
  const path = c.p('source_copy_mode');
  c.report(
    path,
    `${path} needs source_root (the directory to copy from); add source_root: . or remove source_copy_mode`,
  );
};

/**
 * flyte flavor: `source_root` without `source_copy_mode` means LOADED_MODULES in flytekit, whose tag then
 * depends on what pyflyte has imported, which nothing outside pyflyte can know (both modes).
 */
const checkFlyteSourceRoot: Check = (c) => {
  if (c.flavor !== 'flyte') return;
  const root = c.value('source_root');
  if (root === undefined || root === null || pyTruthy(c.value('source_copy_mode') ?? null)) return;
  const path = c.p('source_root');
  c.report(
    path,
    `${path} without source_copy_mode: flytekit then hashes only the Python modules pyflyte has loaded, which nothing outside pyflyte can know. Add 'source_copy_mode: all' (flytekit and this tool then hash every file under source_root)`,
  );
};

/** A lock file is installed exactly: no extra packages, and its pyproject.toml next to it. */
const checkRequirements: Check = async (c) => {
  if (!c.ok('requirements')) return;
  const path = c.p('requirements');
  if (!(await checkPath(c.ctx, path, c.s('requirements'), 'file'))) return;
  const lock = basename(c.s('requirements'));
  if (lock !== 'uv.lock' && lock !== 'poetry.lock') return;
  const packages = c.value('packages');
  if (Array.isArray(packages) && packages.length > 0) {
    c.report(
      c.p('packages'),
      `packages cannot be combined with a ${lock} requirements file (the lock file is installed exactly); add the packages to pyproject.toml and re-lock, or use a requirements.txt`,
      true,
    );
  }
  const pyproject = join(dirname(specPath(c.ctx.dir, c.s('requirements'))), 'pyproject.toml');
  try {
    await stat(pyproject);
  } catch {
    c.report(
      path,
      `${path} is a ${lock}, which needs a pyproject.toml next to it; add ${relative(c.ctx.dir, pyproject) || 'pyproject.toml'}`,
    );
  }
};

/** The fields that name a file or directory the tag and the build read (besides `copy`), and its kind. */
const PATH_FIELDS: ReadonlyArray<[string, 'file' | 'directory']> = [
  ['requirements', 'file'],
  ['source_root', 'directory'],
  ['dockerfile', 'file'],
  ['build_context', 'directory'],
  ['dockerignore', 'file'],
];

/** Directories and files the build reads exist, have the right kind and stay inside the repository. */
const checkPathFields: Check = async (c) => {
  for (const [name, kind] of PATH_FIELDS) {
    // `requirements` is checked with its lock-file rules (checkRequirements).
    if (name !== 'requirements' && c.ok(name)) await checkPath(c.ctx, c.p(name), c.s(name), kind);
  }
};

/** `copy` entries: relative, below the spec directory, existing. */
const checkCopyEntries: Check = async (c) => {
  if (!c.ok('copy')) return;
  const entries = c.value('copy') as string[];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as string;
    const path = childPath(c.p('copy'), i);
    if (entry === '') {
      c.report(path, `${path} is empty; give a file or directory relative to the spec file`);
    } else if (isAbsolute(entry)) {
      c.report(
        path,
        `${path} ${JSON.stringify(entry)} is absolute; give a path relative to the spec file (it is copied to /root/<path>)`,
      );
    } else if (entry.split(/[\\/]/).includes('..')) {
      c.report(
        path,
        `${path} ${JSON.stringify(entry)} contains ".."; copy entries must stay below the spec file's directory (it is copied to /root/<path>)`,
      );
    } else {
      await checkPath(c.ctx, path, entry, 'any');
    }
  }
};

/** Each secret has its own id. */
const checkSecretIds: Check = (c) => {
  if (!c.ok('secrets')) return;
  const seen = new Set<string>();
  (c.value('secrets') as PyValue[]).forEach((secret, i) => {
    if (secret === null || typeof secret !== 'object' || Array.isArray(secret) || secret.type !== 'dict')
      return;
    const id = secret.entries.find(([k]) => k === 'id')?.[1];
    if (typeof id !== 'string') return;
    const path = `${childPath(c.p('secrets'), i)}.id`;
    if (seen.has(id)) c.report(path, `secret id "${id}" is used twice; give each secret its own id`);
    seen.add(id);
  });
};

/** `cuda`/`cudnn`: flytekit's default builder refuses them, and so does this renderer. */
const checkCuda: Check = (c) => {
  if (c.ownDockerfile) return;
  for (const name of ['cuda', 'cudnn']) {
    if (!c.ok(name)) continue;
    c.report(
      c.p(name),
      `${c.p(name)} is not supported by this builder (as in flytekit's default builder); use a base_image with CUDA (e.g. "nvidia/cuda:12.1.1-runtime-ubuntu22.04"), or conda packages from the nvidia channel, and remove ${name}`,
    );
  }
};

/** flyte flavor: with `python_exec` there is no conda environment to put conda packages in. */
const checkPythonExecConda: Check = (c) => {
  if (c.flavor !== 'flyte' || c.ownDockerfile || !c.ok('python_exec')) return;
  for (const name of ['conda_packages', 'conda_channels']) {
    const v = c.value(name);
    if (!c.ok(name) || !Array.isArray(v) || v.length === 0) continue;
    c.report(
      c.p(name),
      `${c.p(name)} cannot be used with python_exec (as in flytekit's default builder): there is no conda environment; remove ${name}, or remove python_exec to get a micromamba Python`,
      true,
    );
  }
};

/** generic flavor: a lock file is installed with uv. */
const checkLockInstaller: Check = (c) => {
  if (c.flavor !== 'generic' || c.ownDockerfile || !c.ok('python_installer') || !c.ok('requirements')) return;
  const lock = basename(c.s('requirements'));
  if (c.s('python_installer') !== 'pip' || (lock !== 'uv.lock' && lock !== 'poetry.lock')) return;
  const path = c.p('python_installer');
  c.report(
    path,
    `${path}: pip cannot install a ${lock}, which is installed with uv; remove python_installer: pip`,
  );
};

/** `pip_extra_args` are arguments: quotes are fine, shell syntax is not. */
const checkPipExtraArgs: Check = (c) => {
  if (!c.ok('pip_extra_args')) return;
  const split = argWords(c.s('pip_extra_args'));
  if ('problem' in split) c.report(c.p('pip_extra_args'), `${c.p('pip_extra_args')} ${split.problem}`);
};

/** `builder_config` tool images go into `--mount=from=`, so they must be plain image references. */
const checkToolImages: Check = (c) => {
  if (c.ownDockerfile || !c.ok('builder_config')) return;
  for (const name of ['uv_image', 'micromamba_image']) {
    const v = (c.value('builder_config') as { entries: Array<[PyValue, PyValue]> }).entries.find(
      ([k]) => k === name,
    )?.[1];
    if (typeof v !== 'string') continue;
    const problem = referenceProblem(v);
    if (problem === undefined) continue;
    const path = `${c.p('builder_config')}.${name}`;
    c.report(
      path,
      `${path} ${JSON.stringify(v)} is not a valid image reference (${problem}); write NAME[:TAG][@DIGEST], e.g. "ghcr.io/astral-sh/uv:0.8.13"`,
    );
  }
};

/** Secret mount targets go into `--mount=`, which cannot quote: an absolute path of plain characters. */
const checkMountTargets: Check = (c) => {
  const targets: Array<[string, PyValue | undefined]> = [];
  const mounts = c.value('pip_secret_mounts');
  if (c.ok('pip_secret_mounts') && Array.isArray(mounts))
    mounts.forEach(
      (m, i) => Array.isArray(m) && targets.push([`${childPath(c.p('pip_secret_mounts'), i)}[1]`, m[1]]),
    );
  const secrets = c.value('secrets');
  if (c.ok('secrets') && Array.isArray(secrets))
    secrets.forEach((s, i) => {
      if (s !== null && typeof s === 'object' && !Array.isArray(s) && s.type === 'dict')
        targets.push([
          `${childPath(c.p('secrets'), i)}.target`,
          s.entries.find(([k]) => k === 'target')?.[1],
        ]);
    });
  for (const [path, target] of targets) {
    if (typeof target !== 'string' || /^\/[A-Za-z0-9._:@/+~-]*$/.test(target)) continue;
    c.report(
      path,
      `${path} ${JSON.stringify(target)} may contain only letters, digits and . _ : @ / + ~ - (no spaces, quotes or commas), as it goes into a mount flag; e.g. /root/.netrc`,
    );
  }
};

/** Each `commands` entry is one RUN step: an empty one has nothing to run. */
const checkCommands: Check = (c) => {
  if (c.ownDockerfile || !c.ok('commands')) return;
  (c.value('commands') as PyValue[]).forEach((command, i) => {
    if (typeof command !== 'string' || command.trim() !== '') return;
    const path = childPath(c.p('commands'), i);
    c.report(path, `${path} is empty; remove it, or write the command to run`);
  });
};

/**
 * A command runs as the script of one exec-form RUN, on one Dockerfile line that BuildKit reads up to 64 KiB
 * (escapes included). The flyte flavor runs all commands as one script joined with `&&`, as flytekit does.
 */
const checkCommandLength: Check = (c) => {
  if (c.ownDockerfile || !c.ok('commands')) return;
  const commands = (c.value('commands') as PyValue[]).filter((v): v is string => typeof v === 'string');
  const scripts: Array<[string, string]> =
    c.flavor === 'flyte'
      ? [[c.p('commands'), commands.join(' && ')]]
      : commands.map((command, i) => [childPath(c.p('commands'), i), command]);
  for (const [path, script] of scripts) {
    const bytes = Buffer.byteLength(jsonString(script)) + RUN_LINE_OVERHEAD;
    if (bytes <= MAX_LINE_BYTES) continue;
    c.report(
      path,
      `${path} makes a RUN line of ${bytes} bytes; BuildKit reads at most ${MAX_LINE_BYTES} bytes per line. Put the script in a file listed in copy and run that file`,
      c.flavor === 'flyte',
    );
  }
};

/** hash mode: the files the tag reads exist and have the right kind (containment is left to strict). */
const checkHashPaths: Check = async (c) => {
  for (const [name, kind] of PATH_FIELDS) {
    const value = c.value(name);
    // flytekit skips falsy values ('' included); extension fields are already checked by the schema.
    if (typeof value === 'string' && value !== '') await checkPath(c.ctx, c.p(name), value, kind, false);
  }
  const copy = c.value('copy');
  if (Array.isArray(copy)) {
    for (let i = 0; i < copy.length; i++) {
      const entry = copy[i];
      if (typeof entry === 'string' && entry !== '')
        await checkPath(c.ctx, childPath(c.p('copy'), i), entry, 'any', false);
    }
  }
};

/**
 * hash mode: fields flytekit uses as strings (lowercases, opens, formats) must be strings when they are
 * used: `name`, `registry` and `source_root` when not null; `requirements`, `copy` and `tag_format` when set.
 */
const checkStringFields: Check = (c) => {
  const whenSet = (v: PyValue): boolean => v !== null;
  const rules: Array<[string, (v: PyValue) => boolean]> = [
    ['name', whenSet],
    ['registry', whenSet],
    ['source_root', whenSet],
    ['requirements', pyTruthy],
    ['tag_format', pyTruthy],
  ];
  for (const [name, used] of rules) {
    const v = c.value(name);
    if (v === undefined || !used(v) || typeof v === 'string' || c.refused(name)) continue;
    c.report(
      c.p(name),
      `${c.p(name)} must be a string, not ${pyTypeName(v)}; quote it, e.g. ${name}: "${displayValue(v)}"`,
    );
  }
  const copy = c.value('copy');
  if (copy === undefined || !pyTruthy(copy) || c.refused('copy')) return;
  const list = Array.isArray(copy) ? copy : [copy];
  list.forEach((v, i) => {
    if (typeof v === 'string') return;
    const path = Array.isArray(copy) ? childPath(c.p('copy'), i) : c.p('copy');
    c.report(path, `${path} must be a path (a string), not ${pyTypeName(v)}; quote it`);
  });
};

/** hash mode: `tag_format` must be a template Python's `str.format` accepts with `spec_hash`. */
const checkTagFormatApplies: Check = (c) => {
  const v = c.value('tag_format');
  if (typeof v !== 'string' || v === '') return;
  const problem = tagFormatProblem(v);
  if (problem) c.report(c.p('tag_format'), problem);
};

/** What validate, plan, render and build refuse. */
const STRICT: Check[] = [
  checkRepository,
  checkTagFormat,
  checkPlatform,
  checkBaseImage,
  checkNoop,
  checkCopyModeNeedsRoot,
  checkFlyteSourceRoot,
  checkRequirements,
  checkPathFields,
  checkCopyEntries,
  checkSecretIds,
  checkCuda,
  checkPythonExecConda,
  checkLockInstaller,
  checkPipExtraArgs,
  checkToolImages,
  checkMountTargets,
  checkCommands,
  checkCommandLength,
];

/**
 * Rules about what the generated Dockerfile may contain. A `builder: noop` image renders nothing (it is its
 * base_image), so, as with flytekit's noop builder, these fields are accepted there unused.
 */
const RENDER_ONLY: ReadonlySet<Check> = new Set([
  checkCuda,
  checkPythonExecConda,
  checkLockInstaller,
  checkPipExtraArgs,
  checkToolImages,
  checkMountTargets,
  checkCommands,
]);

/** What tag and explain refuse: only what flytekit itself would refuse when computing the tag. */
const HASH: Check[] = [
  checkHashPaths,
  checkStringFields,
  checkCopyModeNeedsRoot,
  checkFlyteSourceRoot,
  checkTagFormatApplies,
];

/** Semantic checks of every image; fields that already failed schema validation are skipped. */
export async function semanticDiagnostics(
  sources: ImageSource[],
  context: ImageContext,
  failed: ReadonlySet<string>,
  mode: SpecMode = 'strict',
  flavor: Flavor = 'generic',
): Promise<Diagnostic[]> {
  const ctx: Ctx = { ...context, root: resolve(context.root), out: [], failed, flavor };
  for (const src of sources) {
    const image = new ImageCheck(src, ctx);
    const noop = image.ok('builder') && image.s('builder') === NOOP_BUILDER;
    for (const check of mode === 'strict' ? STRICT : HASH) {
      if (!(noop && RENDER_ONLY.has(check))) await check(image);
    }
  }
  return ctx.out;
}
