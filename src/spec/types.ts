/**
 * Typed data that flows between the stages (see docs/architecture.md).
 * Stage owners may add fields; renaming one means updating every stage that reads it.
 */

/** A position in a spec file, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/**
 * A value exactly as PyYAML's `safe_load` hands it to flytekit.
 * Integers are `bigint` so they stay distinct from floats (`1` vs `1.0`), which matters for hashing.
 */
export type PyValue = null | boolean | bigint | number | string | PyValue[] | PyDict | PyDate | PyDateTime;
export interface PyDict {
  type: 'dict';
  entries: Array<[PyValue, PyValue]>;
}
/** `datetime.date` (a YAML 1.1 timestamp without a time part). */
export interface PyDate {
  type: 'date';
  year: number;
  month: number;
  day: number;
}
/** `datetime.datetime` (a YAML 1.1 timestamp with a time part); `text` is the YAML scalar as written. */
export interface PyDateTime {
  type: 'datetime';
  text: string;
}

/** One problem in a spec file. `message` says what is wrong and how to fix it. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** Field path, e.g. `images.app.packages[2]`; empty for the whole file. */
  path: string;
  message: string;
}

import type { Flavor } from '../choices.js';

export type { Flavor };
export type PythonInstaller = 'uv' | 'pip';

/** Which files of `source_root` are copied (flytekit's CopyFileDetection), one normalized spelling. */
export type CopyMode = 'loaded_modules' | 'all' | 'no_copy';

/** flytekit's ImageSpec fields in declaration order. The order is part of the flyte tag (see src/hash). */
export const FLYTEKIT_FIELDS = [
  'name',
  'python_version',
  'builder',
  'source_root',
  'env',
  'registry',
  'packages',
  'conda_packages',
  'conda_channels',
  'requirements',
  'apt_packages',
  'cuda',
  'cudnn',
  'base_image',
  'platform',
  'pip_index',
  'pip_extra_index_url',
  'pip_secret_mounts',
  'pip_extra_args',
  'registry_config',
  'entrypoint',
  'commands',
  'tag_format',
  'source_copy_mode',
  'copy',
  'python_exec',
  'runtime_packages',
  'builder_options',
  'builder_config',
] as const;
export type FlytekitField = (typeof FLYTEKIT_FIELDS)[number];

/** A build secret taken from the runner's environment or a file, mounted with `RUN --mount=type=secret`. */
export interface BuildSecret {
  id: string;
  /** Environment variable holding the secret value. */
  env?: string;
  /** File holding the secret (absolute path, resolved against the spec directory). */
  src?: string;
  /** Where the secret file is mounted during package installation (absolute path in the image); optional. */
  target?: string;
}

/**
 * One validated image of a spec file. Paths are absolute (resolved against the spec file's directory)
 * unless the field keeps the text as written for hashing (see `raw`).
 */
export interface ImageSpec {
  /** Key in the file's `images:` map, or the spec's `name` for a single-image file. */
  id: string;
  /** Absolute path of the spec file and its directory. */
  file: string;
  dir: string;
  /** The repository root that referenced files must stay inside (the git top level, else `dir`). */
  root: string;
  /**
   * Every flytekit field present in the file, exactly as flytekit would receive it (`ImageSpec(**fields)`),
   * in file order; extension fields are not included. Values are as written: flytekit's `__post_init__`
   * changes (lowercased `name`/`registry`, `source_copy_mode` defaulting to LOADED_MODULES with
   * `source_root`) are not applied here. In an `images:` map, an image without `name` gets
   * `name` = its key (first entry), and `base_image` naming another image stays that key (see `base_image_of`).
   */
  raw: ReadonlyMap<string, PyValue>;
  /** Field path of the image in its file: '' for a single-image file, `images.app` in a map (absent: `images.<id>`). */
  fieldPrefix?: string;
  /** Position of a field path (e.g. `packages[1]`, relative to this image) or of the image itself for ''. */
  pos: (path: string) => SourcePos;

  // flytekit fields (typed view, defaults applied)
  name: string;
  python_version?: string;
  builder?: string;
  source_root?: string;
  env: Record<string, string>;
  registry?: string;
  packages: string[];
  conda_packages: string[];
  conda_channels: string[];
  requirements?: string;
  apt_packages: string[];
  cuda?: string;
  cudnn?: string;
  /** A plain image reference; see `base_image_of` for references to another image of the same file. */
  base_image?: string;
  /** The `id` of another image of the same file that this one builds on. */
  base_image_of?: string;
  /** Comma-separated platforms as written, default `linux/amd64`. */
  platform: string;
  pip_index?: string;
  pip_extra_index_url: string[];
  pip_secret_mounts: Array<[string, string]>;
  pip_extra_args?: string;
  registry_config?: string;
  entrypoint?: string[];
  commands: string[];
  tag_format?: string;
  /**
   * Normalized (see `copyModeOf`); `loaded_modules` when `source_root` is set without it, as flytekit does.
   * The hash stage reads `raw` for flytekit's own comparison.
   */
  source_copy_mode?: CopyMode;
  /** As written, relative to `dir` (validated: no absolute paths, no `..`); copied to `/root/<entry>`. */
  copy: string[];
  python_exec?: string;
  runtime_packages: string[];
  builder_options: Record<string, PyValue>;
  builder_config: Record<string, string>;

  // extensions (documented in docs/spec.md)
  dockerfile?: string;
  build_context?: string;
  build_args: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  python_installer: PythonInstaller;
  secrets: BuildSecret[];
  /** A .dockerignore file applied to the build context (absolute). */
  dockerignore?: string;
}

/** A spec file after validation: its images in build order (parents before children). */
export interface SpecFile {
  file: string;
  images: ImageSpec[];
}

/** One input to an image's content hash, for `imagespec explain` and the job summary. */
export interface HashInput {
  /** Field name (e.g. `packages`), or a synthetic entry such as `salt` or `dockerfile`. */
  field: string;
  /** How the value entered the hash (Python repr for flyte; digest for files), or why it was excluded. */
  value: string;
  status: 'hashed' | 'excluded' | 'replaced';
  /** Something the user should know about how the value was read (e.g. a YAML number for python_version). */
  note?: string;
  /** For file digests: the files behind the digest, relative to the spec directory, in hashing order. */
  files?: string[];
}

/** An image with its content tag: output of the hash stage. */
export interface PlannedImage {
  spec: ImageSpec;
  flavor: Flavor;
  /** The hash alone (flytekit's `spec_hash`-style value). */
  specHash: string;
  /**
   * flytekit's `ImageSpec.id` for the same spec: the hash of its fields before paths become digests. flytekit
   * images carry it as `_F_IMG_ID`, which `ImageSpec.is_container()` compares against.
   */
  imageId?: string;
  /** The dict behind `imageId` (a child image's id embeds its parent's), as the hash stage serializes it. */
  flyteIdSource?: unknown;
  /** The tag after `tag_format` (equals `specHash` without one). */
  tag: string;
  /** The registry images are pushed to (the spec's, or the one given instead), lowercased; none: not pushed. */
  registry?: string;
  /** `registry/name` lowercased, or `name` when there is no registry. */
  repository: string;
  /** `repository:tag`. */
  reference: string;
  /** Full reference of the image this one builds on: a parent of the same file, `base_image`, or the flavor default. */
  baseReference?: string;
  /**
   * `builder: noop`: the image is `base_image` itself, as flytekit's NoOpBuilder does; nothing is built or
   * pushed. `reference` is then `base_image` as written (what flytekit's `image_name()` returns), `repository`
   * and `tag` its parts, `registry` its registry (for the existence check), while `specHash` and `inputs`
   * stay those of the spec.
   */
  noop?: true;
  /** Requested platforms, e.g. ['linux/amd64']. */
  platforms: string[];
  inputs: HashInput[];
}

/** flytekit's `builder: noop`: use `base_image` as the image and build nothing. */
export const NOOP_BUILDER = 'noop';

/** Whether the image uses flytekit's noop builder (exact name, as flytekit looks builders up). */
export function isNoop(spec: Pick<ImageSpec, 'builder'>): boolean {
  return spec.builder === NOOP_BUILDER;
}

/** The registry's answer to "does this tag exist?". `unknown` never stands for either of the others. */
export interface Existence {
  state: 'exists' | 'missing' | 'unknown';
  /** Why: e.g. "HEAD 404", "401 after authenticating as user", "index lacks linux/arm64". */
  reason: string;
  digest?: string;
  mediaType?: string;
  /** For multi-platform specs whose index exists but lacks some requested platforms. */
  missingPlatforms?: string[];
}

export type Visibility = 'public' | 'private' | 'internal' | 'unknown';
