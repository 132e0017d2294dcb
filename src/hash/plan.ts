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
import {
  FLYTEKIT_FIELDS,
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
import { applyTagFormat } from './tag-format.js';

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

/** `str` of a repr value for a field that must be a string in flytekit. */
function requireString(spec: ImageSpec, field: string, v: PyValue): string {
  if (typeof v !== 'string') {
    const pos = spec.pos(field);
    throw new UserError(
      `${pos.file}:${pos.line}:${pos.col}: ${field} must be a string, e.g. ${field}: ${reprStr('value')}`,
    );
  }
  return v;
}

function isTruthy(v: PyValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && v.type === 'dict') return v.entries.length > 0;
  return true;
}

function isNoCopy(mode: PyValue): boolean {
  return typeof mode === 'string' && ['no_copy', 'no-copy', 'none'].includes(mode.toLowerCase());
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

/** Computes the hash inputs, tag and reference of one image. Parents must already be in `planned`. */
export async function planImage(
  spec: ImageSpec,
  opts: PlanOptions,
  planned: PlannedById,
): Promise<PlannedImage> {
  const { flavor } = opts;
  const shown = shownPath(spec);
  const resolve = (p: string): string => path.resolve(spec.dir, p);
  const entries: Array<[ReprValue, ReprValue]> = [];
  // flytekit's `ImageSpec.id` (the image's `_F_IMG_ID`): the same dict before paths become digests.
  const idEntries: Array<[ReprValue, ReprValue]> = [];
  const inputs: HashInput[] = [];
  const hashed = (field: string, value: ReprValue, input?: HashInput): void => {
    entries.push([field, value]);
    inputs.push(input ?? { field, value: pyRepr(value), status: 'hashed' });
  };

  const raw = new Map(spec.raw);
  if (opts.registry !== undefined) raw.set('registry', opts.registry);
  if (!raw.has('name')) raw.set('name', 'flytekit');
  if (!raw.has('platform')) raw.set('platform', 'linux/amd64');

  const mode = raw.get('source_copy_mode') ?? null;
  const sourceRoot = raw.get('source_root') ?? null;
  if (mode !== null && !isNoCopy(mode) && !isTruthy(sourceRoot)) {
    const pos = spec.pos('source_copy_mode');
    throw new UserError(
      `${pos.file}:${pos.line}:${pos.col}: source_copy_mode is set but source_root is not: add source_root (the directory to copy), or remove source_copy_mode`,
    );
  }

  let name = '';
  let registry = '';
  let parent: PlannedImage | undefined;
  for (const field of FLYTEKIT_FIELDS) {
    if (!raw.has(field)) continue;
    const value = raw.get(field)!;
    if (value !== null && !(field in EXCLUDED_FROM_ID)) idEntries.push([field, idValue(field, value)]);
    if (field in EXCLUDED_FIELDS) {
      inputs.push({ field, value: EXCLUDED_FIELDS[field]!, status: 'excluded' });
      continue;
    }
    if (value === null) {
      inputs.push({ field, value: 'None values are left out', status: 'excluded' });
      continue;
    }
    switch (field) {
      case 'name':
        name = requireString(spec, field, value).toLowerCase();
        hashed(field, name);
        break;
      case 'registry':
        registry = requireString(spec, field, value);
        if (registry) registry = registry.toLowerCase();
        hashed(field, registry);
        break;
      case 'base_image':
        if (spec.base_image_of !== undefined) {
          parent = planned.get(spec.base_image_of);
          if (!parent) throw new Error(`image ${spec.base_image_of} must be planned before ${spec.id}`);
          // asdict() turns a nested ImageSpec into its own dict of fields.
          idEntries[idEntries.length - 1] = [
            field,
            (parent.flyteIdSource as ReprValue | undefined) ?? parent.reference,
          ];
          hashed(field, parent.reference, { field, value: reprStr(parent.reference), status: 'replaced' });
        } else hashed(field, value);
        break;
      case 'requirements':
        if (isTruthy(value)) {
          const written = requireString(spec, field, value);
          const d = await requirementsDigest(resolve(written), written);
          hashed(field, d.value, digestInput(field, d));
        } else hashed(field, value);
        break;
      case 'copy':
        if (isTruthy(value)) {
          const list = Array.isArray(value) ? value : [value];
          const copyEntries = list.map((v) => {
            const written = requireString(spec, field, v);
            return { written, abs: resolve(written) };
          });
          const d =
            flavor === 'flyte'
              ? await flyteCopyDigest(copyEntries, shown)
              : await genericCopyDigest(copyEntries, shown);
          hashed(field, d.value, digestInput(field, d));
        } else hashed(field, value);
        break;
      case 'source_root': {
        const written = requireString(spec, field, value);
        if (flavor === 'flyte' && mode === null) {
          const pos = spec.pos('source_root');
          throw new UserError(
            `${pos.file}:${pos.line}:${pos.col}: source_root without source_copy_mode: flytekit then hashes only the Python modules pyflyte has loaded, which nothing outside pyflyte can know. Add 'source_copy_mode: all' (flytekit and this tool then hash every file under source_root)`,
          );
        }
        // flytekit compares the YAML string with its enum, so any value (even 'no_copy') digests the tree.
        const digest = flavor === 'flyte' || spec.source_copy_mode !== 'no_copy';
        if (!digest) hashed(field, value);
        else {
          const d =
            flavor === 'flyte'
              ? await flyteSourceRootDigest(resolve(written), written, written)
              : await genericSourceRootDigest(resolve(written), written);
          hashed(field, d.value, digestInput(field, d));
        }
        break;
      }
      default:
        hashed(field, value);
    }
  }

  for (const [field, value] of await extensionValues(spec, flavor, shown)) {
    if (flavor === 'flyte') {
      inputs.push({
        field,
        value: 'not a flytekit field: the flyte flavor hashes only what flytekit hashes',
        status: 'excluded',
      });
    } else if (field in EXTENSION_EXCLUDED) {
      inputs.push({ field, value: EXTENSION_EXCLUDED[field]!, status: 'excluded' });
    } else if (value instanceof Object && 'digest' in value) {
      hashed(field, value.digest.value, digestInput(field, value.digest));
    } else hashed(field, value);
  }
  if (flavor === 'generic') {
    entries.push(GENERIC_SALT);
    inputs.push({
      field: 'salt',
      value: `${pyRepr(GENERIC_SALT[0])}: ${pyRepr(GENERIC_SALT[1])}`,
      status: 'hashed',
    });
  }

  const idSource: ReprValue = { type: 'dict', entries: idEntries };
  const imageId = createHash('md5').update(pyRepr(idSource), 'utf8').digest('base64url');
  const text = pyRepr({ type: 'dict', entries });
  const specHash = createHash('md5').update(text, 'utf8').digest('base64url').replaceAll('-', '_');
  const tagFormat = raw.get('tag_format') ?? null;
  const tag = isTruthy(tagFormat)
    ? applyTagFormat(requireString(spec, 'tag_format', tagFormat), specHash)
    : specHash;
  const repository = registry ? `${registry}/${name}` : name;
  const baseImage = raw.get('base_image');
  return {
    spec,
    flavor,
    specHash,
    tag,
    imageId,
    flyteIdSource: idSource,
    ...(registry ? { registry } : {}),
    repository,
    reference: `${repository}:${tag}`,
    baseReference: parent?.reference ?? (typeof baseImage === 'string' ? baseImage : undefined),
    platforms: spec.platform
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    inputs,
  };
}
