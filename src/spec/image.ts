/** The typed view of one image: defaults applied, paths resolved, `raw` kept as flytekit would receive it. */
import { isAbsolute, resolve } from 'node:path';
import type { SpecDocument } from './load.js';
import { childPath } from './load.js';
import {
  FLYTEKIT_FIELDS,
  type BuildSecret,
  type CopyMode,
  type ImageSpec,
  type PyDict,
  type PyValue,
  type SourcePos,
} from './types.js';
import { userRecord } from '../util/record.js';
import { displayValue } from './yaml11.js';

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

/** Python truthiness of a spec value (flytekit tests fields with `if value:`). */
export function pyTruthy(v: PyValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && v.type === 'dict') return v.entries.length > 0;
  return true;
}

/**
 * The one reading of a `source_copy_mode` text: case-insensitive, with or without flytekit's
 * `CopyFileDetection.` prefix, `-` for `_`, and `none` for no copy. Any other text (only the hash mode lets
 * one through) copies everything, as flytekit digests the whole tree for anything that is not NO_COPY.
 */
export function copyModeOf(text: string): CopyMode {
  const mode = text
    .toLowerCase()
    .replace(/^copyfiledetection\./, '')
    .replace(/-/g, '_');
  if (mode === 'no_copy' || mode === 'none') return 'no_copy';
  return mode === 'loaded_modules' ? 'loaded_modules' : 'all';
}

/** `secrets` entries with `src` resolved against the spec directory. */
function secretsOf(v: PyValue | undefined, dir: string): BuildSecret[] {
  const secrets: BuildSecret[] = [];
  if (!Array.isArray(v)) return secrets;
  for (const s of v) {
    const r = strRecord(s);
    if (!r.id) continue;
    const secret: BuildSecret = { id: r.id };
    if (r.env !== undefined) secret.env = r.env;
    if (r.src !== undefined) secret.src = specPath(dir, r.src);
    if (r.target !== undefined) secret.target = r.target;
    secrets.push(secret);
  }
  return secrets;
}

/** `pip_secret_mounts` [file, target] pairs with the file resolved against the spec directory. */
function mountsOf(v: PyValue | undefined, dir: string): Array<[string, string]> {
  const mounts: Array<[string, string]> = [];
  if (!Array.isArray(v)) return mounts;
  for (const m of v) {
    if (Array.isArray(m) && typeof m[0] === 'string' && typeof m[1] === 'string') {
      mounts.push([specPath(dir, m[0]), m[1]]);
    }
  }
  return mounts;
}

/** The `raw` map: every flytekit field as flytekit receives it; an image of a map is named by its key. */
function rawFields(src: ImageSource): Map<string, PyValue> {
  const raw = new Map<string, PyValue>();
  if (src.inMap && field(src, 'name') === undefined) raw.set('name', src.id);
  for (const [k, v] of src.fields.entries) if (typeof k === 'string' && FLYTEKIT.has(k)) raw.set(k, v);
  return raw;
}

/** Where a field path of this image is in the file (the image itself when the field has no node). */
function positions(src: ImageSource, ctx: ImageContext): (path: string) => SourcePos {
  return (path) => {
    const full = path === '' ? src.prefix : src.prefix ? `${src.prefix}.${path}`.replace(/\.\[/g, '[') : path;
    const node = ctx.doc.nodes.get(full) ?? ctx.doc.nodes.get(src.prefix);
    return node?.pos ?? { file: ctx.file, line: 1, col: 1 };
  };
}

function pythonVersion(v: PyValue | undefined): string | undefined {
  return typeof v === 'number' ? displayValue(v) : str(v);
}

/** The optional single-value fields: strings as written, paths made absolute, the copy mode normalized. */
function optionalFields(src: ImageSource, ctx: ImageContext): Partial<ImageSpec> {
  const get = (name: string) => str(field(src, name));
  const pathOf = (name: string) => (get(name) === undefined ? undefined : specPath(ctx.dir, get(name)!));
  const baseImage = get('base_image');
  const baseIsSibling = baseImage !== undefined && ctx.keys.has(baseImage);
  const sourceRoot = get('source_root');
  const mode = get('source_copy_mode');
  const dockerfile = pathOf('dockerfile');
  const values: Partial<Record<keyof ImageSpec, string | undefined>> = {
    // A float `python_version` reaches here only when it reads back as written (3.11): that text.
    python_version: pythonVersion(field(src, 'python_version')),
    builder: get('builder'),
    source_root: pathOf('source_root'),
    // An empty registry is no registry, as in flytekit (`if self.registry:`): built, not pushed.
    registry: get('registry')?.toLowerCase() || undefined,
    requirements: pathOf('requirements'),
    cuda: get('cuda'),
    cudnn: get('cudnn'),
    base_image: baseIsSibling ? undefined : baseImage,
    base_image_of: baseIsSibling ? baseImage : undefined,
    pip_index: get('pip_index'),
    pip_extra_args: get('pip_extra_args'),
    registry_config: pathOf('registry_config'),
    tag_format: get('tag_format'),
    source_copy_mode:
      mode !== undefined ? copyModeOf(mode) : sourceRoot !== undefined ? 'loaded_modules' : undefined,
    python_exec: get('python_exec'),
    dockerfile,
    build_context: pathOf('build_context') ?? (dockerfile !== undefined ? ctx.dir : undefined),
    target: get('target'),
    dockerignore: pathOf('dockerignore'),
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<ImageSpec>;
}

/** Build the typed image. Only call it on an image that passed validation. */
export function typedImage(src: ImageSource, ctx: ImageContext): ImageSpec {
  const get = (name: string) => field(src, name);
  const name = (str(get('name')) ?? (src.inMap ? src.id : 'flytekit')).toLowerCase();
  const spec: ImageSpec = {
    id: src.inMap ? src.id : name,
    fieldPrefix: src.prefix,
    file: ctx.file,
    dir: ctx.dir,
    root: ctx.root,
    raw: rawFields(src),
    pos: positions(src, ctx),
    name,
    env: strRecord(get('env')),
    packages: strList(get('packages')),
    conda_packages: strList(get('conda_packages')),
    conda_channels: strList(get('conda_channels')),
    apt_packages: strList(get('apt_packages')),
    platform: str(get('platform')) ?? 'linux/amd64',
    pip_extra_index_url: strList(get('pip_extra_index_url')),
    pip_secret_mounts: mountsOf(get('pip_secret_mounts'), ctx.dir),
    commands: strList(get('commands')),
    copy: strList(get('copy')),
    runtime_packages: strList(get('runtime_packages')),
    builder_options: anyRecord(get('builder_options')),
    builder_config: strRecord(get('builder_config')),
    build_args: strRecord(get('build_args')),
    labels: strRecord(get('labels')),
    python_installer: str(get('python_installer')) === 'pip' ? 'pip' : 'uv',
    secrets: secretsOf(get('secrets'), ctx.dir),
    ...optionalFields(src, ctx),
  };
  const entrypoint = get('entrypoint');
  if (Array.isArray(entrypoint)) spec.entrypoint = strList(entrypoint);
  return spec;
}
