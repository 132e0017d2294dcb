/** The typed view of one image: defaults applied, paths resolved, `raw` kept as flytekit would receive it. */
import { isAbsolute, resolve } from 'node:path';
import type { SpecDocument } from './load.js';
import { childPath } from './load.js';
import {
  FLYTEKIT_FIELDS,
  type BuildSecret,
  type ImageSpec,
  type PyDict,
  type PyValue,
  type SourcePos,
} from './types.js';
import { userRecord } from '../util/record.js';

const FLYTEKIT = new Set<string>(FLYTEKIT_FIELDS);

/** Where one image lives in its document. */
export interface ImageSource {
  id: string;
  /** Field path prefix of the image in the document: '' for a single image, `images.app` in a map. */
  prefix: string;
  fields: PyDict;
  /** True when the image is an entry of an `images:` map. */
  inMap: boolean;
}

export interface ImageContext {
  doc: SpecDocument;
  file: string;
  dir: string;
  root: string;
  /** Keys of the file's `images:` map (empty for a single-image file). */
  keys: ReadonlySet<string>;
}

/** The images of a document: the top-level mapping, or each entry of `images:`. Assumes a schema-valid shape. */
export function imageSources(doc: SpecDocument): ImageSource[] {
  const top = doc.value as PyDict;
  const images = top.entries.find(([k]) => k === 'images');
  if (!images) return [{ id: '', prefix: '', fields: top, inMap: false }];
  const map = images[1];
  if (map === null || typeof map !== 'object' || Array.isArray(map) || map.type !== 'dict') return [];
  const out: ImageSource[] = [];
  for (const [k, v] of map.entries) {
    if (typeof k !== 'string' || v === null || typeof v !== 'object' || Array.isArray(v) || v.type !== 'dict')
      continue;
    out.push({ id: k, prefix: childPath('images', k), fields: v, inMap: true });
  }
  return out;
}

export function field(src: ImageSource, name: string): PyValue | undefined {
  return src.fields.entries.find(([k]) => k === name)?.[1];
}

const str = (v: PyValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const strList = (v: PyValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
function strRecord(v: PyValue | undefined): Record<string, string> {
  const out = userRecord<string>();
  if (v && typeof v === 'object' && !Array.isArray(v) && v.type === 'dict') {
    for (const [k, x] of v.entries) if (typeof k === 'string' && typeof x === 'string') out[k] = x;
  }
  return out;
}
function anyRecord(v: PyValue | undefined): Record<string, PyValue> {
  const out = userRecord<PyValue>();
  if (v && typeof v === 'object' && !Array.isArray(v) && v.type === 'dict') {
    for (const [k, x] of v.entries) if (typeof k === 'string') out[k] = x;
  }
  return out;
}

/** Absolute path of a spec-relative path. */
export function specPath(dir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dir, p);
}

/** Build the typed image. Only call it on an image that passed validation. */
export function typedImage(src: ImageSource, ctx: ImageContext): ImageSpec {
  const get = (name: string) => field(src, name);
  const at = (path: string): SourcePos => {
    const full = path === '' ? src.prefix : src.prefix ? `${src.prefix}.${path}`.replace(/\.\[/g, '[') : path;
    const node = ctx.doc.nodes.get(full) ?? ctx.doc.nodes.get(src.prefix);
    return node?.pos ?? { file: ctx.file, line: 1, col: 1 };
  };

  const raw = new Map<string, PyValue>();
  const writtenName = str(get('name'));
  if (src.inMap && get('name') === undefined) raw.set('name', src.id);
  for (const [k, v] of src.fields.entries) if (typeof k === 'string' && FLYTEKIT.has(k)) raw.set(k, v);

  const name = (writtenName ?? (src.inMap ? src.id : 'flytekit')).toLowerCase();
  const baseImage = str(get('base_image'));
  const baseIsSibling = baseImage !== undefined && ctx.keys.has(baseImage);
  const sourceRoot = str(get('source_root'));
  const copyMode =
    str(get('source_copy_mode'))?.toLowerCase() ?? (sourceRoot !== undefined ? 'loaded_modules' : undefined);
  const dockerfile = str(get('dockerfile'));

  const secrets: BuildSecret[] = [];
  const rawSecrets = get('secrets');
  if (Array.isArray(rawSecrets)) {
    for (const s of rawSecrets) {
      const r = strRecord(s);
      if (!r.id) continue;
      const secret: BuildSecret = { id: r.id };
      if (r.env !== undefined) secret.env = r.env;
      if (r.src !== undefined) secret.src = specPath(ctx.dir, r.src);
      if (r.target !== undefined) secret.target = r.target;
      secrets.push(secret);
    }
  }
  const mounts: Array<[string, string]> = [];
  const rawMounts = get('pip_secret_mounts');
  if (Array.isArray(rawMounts)) {
    for (const m of rawMounts) {
      if (Array.isArray(m) && typeof m[0] === 'string' && typeof m[1] === 'string') {
        mounts.push([specPath(ctx.dir, m[0]), m[1]]);
      }
    }
  }

  const spec: ImageSpec = {
    id: src.inMap ? src.id : name,
    fieldPrefix: src.prefix,
    file: ctx.file,
    dir: ctx.dir,
    root: ctx.root,
    raw,
    pos: at,
    name,
    env: strRecord(get('env')),
    packages: strList(get('packages')),
    conda_packages: strList(get('conda_packages')),
    conda_channels: strList(get('conda_channels')),
    apt_packages: strList(get('apt_packages')),
    platform: str(get('platform')) ?? 'linux/amd64',
    pip_extra_index_url: strList(get('pip_extra_index_url')),
    pip_secret_mounts: mounts,
    commands: strList(get('commands')),
    copy: strList(get('copy')),
    runtime_packages: strList(get('runtime_packages')),
    builder_options: anyRecord(get('builder_options')),
    builder_config: strRecord(get('builder_config')),
    build_args: strRecord(get('build_args')),
    labels: strRecord(get('labels')),
    python_installer: str(get('python_installer')) === 'pip' ? 'pip' : 'uv',
    secrets,
  };
  const optional: Array<[keyof ImageSpec, string | undefined]> = [
    ['python_version', str(get('python_version'))],
    ['builder', str(get('builder'))],
    ['source_root', sourceRoot === undefined ? undefined : specPath(ctx.dir, sourceRoot)],
    ['registry', str(get('registry'))?.toLowerCase()],
    [
      'requirements',
      str(get('requirements')) === undefined
        ? undefined
        : specPath(ctx.dir, str(get('requirements')) as string),
    ],
    ['cuda', str(get('cuda'))],
    ['cudnn', str(get('cudnn'))],
    ['base_image', baseIsSibling ? undefined : baseImage],
    ['base_image_of', baseIsSibling ? baseImage : undefined],
    ['pip_index', str(get('pip_index'))],
    ['pip_extra_args', str(get('pip_extra_args'))],
    [
      'registry_config',
      str(get('registry_config')) === undefined
        ? undefined
        : specPath(ctx.dir, str(get('registry_config')) as string),
    ],
    ['tag_format', str(get('tag_format'))],
    ['source_copy_mode', copyMode],
    ['python_exec', str(get('python_exec'))],
    ['dockerfile', dockerfile === undefined ? undefined : specPath(ctx.dir, dockerfile)],
    [
      'build_context',
      str(get('build_context')) !== undefined
        ? specPath(ctx.dir, str(get('build_context')) as string)
        : dockerfile !== undefined
          ? ctx.dir
          : undefined,
    ],
    ['target', str(get('target'))],
    [
      'dockerignore',
      str(get('dockerignore')) === undefined
        ? undefined
        : specPath(ctx.dir, str(get('dockerignore')) as string),
    ],
  ];
  const mutable = spec as unknown as Record<string, unknown>;
  for (const [k, v] of optional) if (v !== undefined) mutable[k] = v;
  const entrypoint = get('entrypoint');
  if (Array.isArray(entrypoint)) spec.entrypoint = strList(entrypoint);
  return spec;
}
