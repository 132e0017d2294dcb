/**
 * The content hash of one image, built the way flytekit's `ImageSpec.tag` builds it:
 *
 * 1. the spec's fields in flytekit's declaration order, values as PyYAML loaded them, `None` dropped,
 *    `pip_secret_mounts`, `builder` and `runtime_packages` left out, `registry_config` set to None;
 *    `name` and `registry` lowercased, `platform` defaulting to `linux/amd64`;
 * 2. paths replaced by digests (`requirements`, `copy`, `source_root`) and a `base_image` that names another
 *    image of the file replaced by that image's full reference;
 * 3. `str(dict)` → MD5 → urlsafe base64 without padding, `-` → `_`; then `tag_format`.
 *
 * The generic flavor appends the extension fields (Dockerfile and context digests, build args, target,
 * labels, installer) and a fixed salt, so its tags never collide with flyte-flavor tags.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UserError } from '../errors.js';
import { pyTruthy } from '../spec/image.js';
import {
  FLYTEKIT_FIELDS,
  isNoop,
  type Flavor,
  type HashInput,
  type ImageSpec,
  type PlannedImage,
  type PyValue,
} from '../spec/types.js';
import {
  contextDigest,
  fileDigest,
  flyteCopyDigest,
  flyteSourceRootDigest,
  genericCopyDigest,
  genericSourceRootDigest,
  requirementsDigest,
  type Digest,
} from './digests.js';
import { pyRepr, reprStr, type ReprValue } from './pyrepr.js';
import { applyTagFormat } from '../spec/tag-format.js';
import { parseReference } from '../registry/reference.js';

/** The salt entry that keeps generic tags apart from flyte tags. Changing it changes every generic tag. */
export const GENERIC_SALT: [string, string] = ['imagespec_flavor', 'generic/1'];

/** Fields flytekit leaves out of the tag, and why. */
export const EXCLUDED_FIELDS: Readonly<Record<string, string>> = {
  pip_secret_mounts: 'secret mounts do not change the image (flytekit leaves them out)',
  builder: 'the builder does not change the tag (flytekit leaves it out)',
  runtime_packages: 'installed when the task runs, not in the image (flytekit leaves it out)',
  registry_config: 'a credentials file path (flytekit sets it to None before hashing)',
};

/** Fields flytekit's `ImageSpec.id` leaves out (it keeps `registry_config`, which only the tag drops). */
const EXCLUDED_FROM_ID: Readonly<Record<string, true>> = {
  pip_secret_mounts: true,
  builder: true,
  runtime_packages: true,
};

/** A field's value as flytekit holds it after `__post_init__`: `name` and `registry` lowercased. */
function idValue(field: string, value: PyValue): ReprValue {
  if ((field === 'name' || field === 'registry') && typeof value === 'string') return value.toLowerCase();
  return value;
}

const EXTENSION_EXCLUDED: Readonly<Record<string, string>> = {
  secrets: 'build secrets do not change the image',
};

export interface PlanOptions {
  flavor: Flavor;
  /** Replaces the spec's registry (hashed as if the spec said it). */
  registry?: string;
}

/** The reference of each already planned image, by image id, for `base_image` references. */
export type PlannedById = ReadonlyMap<string, PlannedImage>;

/** A field the spec stage guarantees is a string here (it refuses other values with a Diagnostic). */
function asString(spec: ImageSpec, field: string, v: PyValue): string {
  if (typeof v !== 'string') throw new Error(`${spec.id}: ${field} reached the hash stage unvalidated`);
  return v;
}

/** A path as the user would recognise it: relative to the spec directory when inside it, `/`-separated. */
function shownPath(spec: ImageSpec): (abs: string) => string {
  return (abs) => {
    const rel = path.relative(spec.dir, abs);
    if (rel === '') return '.';
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
  };
}

function digestInput(field: string, d: Digest): HashInput {
  return { field, value: reprStr(d.value), status: 'replaced', files: d.files };
}

const dict = (r: Readonly<Record<string, string>>): ReprValue => ({
  type: 'dict',
  entries: Object.entries(r),
});

/**
 * The extension fields that are set, in the order the generic flavor hashes them, from the typed spec
 * (defaults applied): the Dockerfile and its build context as digests (the context digest covers the
 * `.dockerignore` in force), build args, target, labels, the installer; secrets only to be listed as excluded.
 * Digests are computed only for the generic flavor.
 */
async function extensionValues(
  spec: ImageSpec,
  flavor: Flavor,
  shown: (abs: string) => string,
): Promise<Array<[string, ReprValue | { digest: Digest }]>> {
  const out: Array<[string, ReprValue | { digest: Digest }]> = [];
  const generic = flavor === 'generic';
  if (spec.dockerfile !== undefined) {
    const dockerfile = spec.dockerfile;
    const context = spec.build_context ?? spec.dir;
    out.push([
      'dockerfile',
      generic ? { digest: await fileDigest(dockerfile, 'dockerfile', shown(dockerfile)) } : shown(dockerfile),
    ]);
    out.push([
      'build_context',
      generic
        ? { digest: await contextDigest(context, dockerfile, spec.dockerignore, shown) }
        : shown(context),
    ]);
  }
  if (Object.keys(spec.build_args).length > 0) out.push(['build_args', dict(spec.build_args)]);
  if (spec.target !== undefined) out.push(['target', spec.target]);
  if (Object.keys(spec.labels).length > 0) out.push(['labels', dict(spec.labels)]);
  if (generic || spec.python_installer !== 'uv') out.push(['python_installer', spec.python_installer]);
  if (spec.secrets.length > 0) out.push(['secrets', null]);
  return out;
}

/** The dict being hashed, the dict behind flytekit's `ImageSpec.id`, and the explain rows. */
class HashDict {
  readonly entries: Array<[ReprValue, ReprValue]> = [];
  readonly idEntries: Array<[ReprValue, ReprValue]> = [];
  readonly inputs: HashInput[] = [];

  hashed(field: string, value: ReprValue, input?: HashInput): void {
    this.entries.push([field, value]);
    this.inputs.push(input ?? { field, value: pyRepr(value), status: 'hashed' });
  }

  excluded(field: string, why: string): void {
    this.inputs.push({ field, value: why, status: 'excluded' });
  }
}

/** The flytekit fields after `__post_init__`: the registry given instead, and the defaults it fills in for None. */
function flytekitValues(spec: ImageSpec, opts: PlanOptions): Map<string, PyValue> {
  const raw = new Map(spec.raw);
  if (opts.registry !== undefined) raw.set('registry', opts.registry);
  if (!raw.has('name')) raw.set('name', 'flytekit');
  // flytekit sets `platform` when it is None, so an explicit null hashes like an absent field.
  if ((raw.get('platform') ?? null) === null) raw.set('platform', 'linux/amd64');
  return raw;
}

interface FieldContext {
  spec: ImageSpec;
  flavor: Flavor;
  planned: PlannedById;
  dict: HashDict;
  shown: (abs: string) => string;
  /** Set while hashing: the image's name, registry and the parent image of the file it builds on. */
  name: string;
  registry: string;
  parent?: PlannedImage;
}

const resolveIn = (spec: ImageSpec, p: string): string => path.resolve(spec.dir, p);

/**
 * A file the spec stage found can still fail to read while it is hashed (unreadable, changed, gone): the
 * error then names the field's place in the spec file, like every other problem with a spec.
 */
async function atField(spec: ImageSpec, field: string, work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (!(err instanceof UserError) || err.diagnostics.length > 0) throw err;
    const pos = spec.pos(field);
    const prefix = spec.fieldPrefix ?? `images.${spec.id}`;
    const path = prefix && field ? `${prefix}.${field}` : prefix || field;
    throw new UserError(`${pos.file}: 1 problem in the spec file`, [
      { file: pos.file, line: pos.line, col: pos.col, path, message: err.message },
    ]);
  }
}

/** One flytekit field's entry in the hashed dict, paths replaced by digests as flytekit does. */
async function hashField(c: FieldContext, field: string, value: PyValue): Promise<void> {
  const { spec, dict } = c;
  switch (field) {
    case 'name':
      c.name = asString(spec, field, value).toLowerCase();
      return dict.hashed(field, c.name);
    case 'registry':
      c.registry = asString(spec, field, value).toLowerCase();
      return dict.hashed(field, c.registry);
    case 'base_image':
      return hashBaseImage(c, value);
    case 'requirements': {
      if (!pyTruthy(value)) return dict.hashed(field, value);
      const written = asString(spec, field, value);
      return hashDigest(c, field, await requirementsDigest(resolveIn(spec, written), written));
    }
    case 'copy':
      return hashCopy(c, value);
    case 'source_root':
      return hashSourceRoot(c, asString(spec, field, value));
    case 'python_version':
      if (typeof value !== 'number') return dict.hashed(field, value);
      return dict.hashed(field, value, {
        field,
        value: pyRepr(value),
        status: 'hashed',
        note: `a YAML number: flytekit hashes the float ${pyRepr(value)}, so the tag differs from python_version: "${pyRepr(value)}" quoted; the image gets Python ${pyRepr(value)}`,
      });
    default:
      return dict.hashed(field, value);
  }
}

function hashDigest(c: FieldContext, field: string, d: Digest): void {
  c.dict.hashed(field, d.value, digestInput(field, d));
}

/** A `base_image` naming another image of the file hashes as that image's full reference. */
function hashBaseImage(c: FieldContext, value: PyValue): void {
  const { spec, dict } = c;
  if (spec.base_image_of === undefined) return dict.hashed('base_image', value);
  const parent = c.planned.get(spec.base_image_of);
  if (!parent) throw new Error(`image ${spec.base_image_of} must be planned before ${spec.id}`);
  c.parent = parent;
  // asdict() turns a nested ImageSpec into its own dict of fields.
  dict.idEntries[dict.idEntries.length - 1] = [
    'base_image',
    (parent.flyteIdSource as ReprValue | undefined) ?? parent.reference,
  ];
  dict.hashed('base_image', parent.reference, {
    field: 'base_image',
    value: reprStr(parent.reference),
    status: 'replaced',
  });
}

async function hashCopy(c: FieldContext, value: PyValue): Promise<void> {
  const { spec } = c;
  if (!pyTruthy(value)) return c.dict.hashed('copy', value);
  const list = Array.isArray(value) ? value : [value];
  const entries = list.map((v) => {
    const written = asString(spec, 'copy', v);
    return { written, abs: resolveIn(spec, written) };
  });
  const d =
    c.flavor === 'flyte'
      ? await flyteCopyDigest(entries, c.shown)
      : await genericCopyDigest(entries, c.shown);
  hashDigest(c, 'copy', d);
}

async function hashSourceRoot(c: FieldContext, written: string): Promise<void> {
  const { spec } = c;
  // flytekit compares the YAML string with its enum, so any value (even 'no_copy') digests the tree.
  if (c.flavor === 'generic' && spec.source_copy_mode === 'no_copy')
    return c.dict.hashed('source_root', written);
  const d =
    c.flavor === 'flyte'
      ? await flyteSourceRootDigest(resolveIn(spec, written), written, written)
      : await genericSourceRootDigest(resolveIn(spec, written), written);
  hashDigest(c, 'source_root', d);
}

/** The extension fields: left out of the flyte flavor's hash, digested and salted in the generic one. */
async function hashExtensions(c: FieldContext): Promise<void> {
  const { dict, flavor } = c;
  for (const [field, value] of await extensionValues(c.spec, flavor, c.shown)) {
    if (flavor === 'flyte') {
      dict.excluded(field, 'not a flytekit field: the flyte flavor hashes only what flytekit hashes');
    } else if (field in EXTENSION_EXCLUDED) {
      dict.excluded(field, EXTENSION_EXCLUDED[field]!);
    } else if (value instanceof Object && 'digest' in value) {
      hashDigest(c, field, value.digest);
    } else dict.hashed(field, value);
  }
  if (flavor === 'generic') {
    dict.entries.push(GENERIC_SALT);
    dict.inputs.push({
      field: 'salt',
      value: `${pyRepr(GENERIC_SALT[0])}: ${pyRepr(GENERIC_SALT[1])}`,
      status: 'hashed',
    });
  }
}

/** Computes the hash inputs, tag and reference of one image. Parents must already be in `planned`. */
export async function planImage(
  spec: ImageSpec,
  opts: PlanOptions,
  planned: PlannedById,
): Promise<PlannedImage> {
  const { flavor } = opts;
  const dict = new HashDict();
  const c: FieldContext = { spec, flavor, planned, dict, shown: shownPath(spec), name: '', registry: '' };
  const raw = flytekitValues(spec, opts);
  for (const field of FLYTEKIT_FIELDS) {
    if (!raw.has(field)) continue;
    const value = raw.get(field)!;
    if (value !== null && !(field in EXCLUDED_FROM_ID)) dict.idEntries.push([field, idValue(field, value)]);
    if (field in EXCLUDED_FIELDS) dict.excluded(field, EXCLUDED_FIELDS[field]!);
    else if (value === null) dict.excluded(field, 'None values are left out');
    else await atField(spec, field, hashField(c, field, value));
  }
  await atField(spec, '', hashExtensions(c));

  const idSource: ReprValue = { type: 'dict', entries: dict.idEntries };
  const imageId = createHash('md5').update(pyRepr(idSource), 'utf8').digest('base64url');
  const text = pyRepr({ type: 'dict', entries: dict.entries });
  const specHash = createHash('md5').update(text, 'utf8').digest('base64url').replaceAll('-', '_');
  const tagFormat = raw.get('tag_format') ?? null;
  const tag = pyTruthy(tagFormat)
    ? applyTagFormat(asString(spec, 'tag_format', tagFormat), specHash)
    : specHash;
  const repository = c.registry ? `${c.registry}/${c.name}` : c.name;
  const baseImage = raw.get('base_image');
  const baseReference = c.parent?.reference ?? (typeof baseImage === 'string' ? baseImage : undefined);
  const out: PlannedImage = {
    spec,
    flavor,
    specHash,
    tag,
    imageId,
    flyteIdSource: idSource,
    ...(c.registry ? { registry: c.registry } : {}),
    repository,
    reference: `${repository}:${tag}`,
    ...(baseReference !== undefined ? { baseReference } : {}),
    platforms: spec.platform
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    inputs: dict.inputs,
  };
  return isNoop(spec) && baseReference ? noopImage(out, baseReference) : out;
}

/**
 * flytekit's noop builder returns `base_image` as the image's name (`ImageBuildEngine` maps `image_name()` to
 * it), so the image is the base reference as written: its repository and tag are its parts, and its registry
 * is where the existence check asks. Its hash inputs stay as computed, for `explain`.
 */
function noopImage(planned: PlannedImage, base: string): PlannedImage {
  const at = base.indexOf('@');
  const named = at >= 0 ? base.slice(0, at) : base;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  let registry: string | undefined;
  try {
    registry = parseReference(base).domain;
  } catch {
    registry = undefined; // an invalid reference is reported by validate; the check then says unknown
  }
  return {
    ...planned,
    noop: true,
    ...(registry ? { registry } : {}),
    repository: hasTag ? named.slice(0, colon) : named,
    tag: hasTag ? named.slice(colon + 1) : at >= 0 ? '' : 'latest',
    reference: base,
  };
}
