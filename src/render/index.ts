/**
 * Render stage: PlannedImage → BuildContext. Pure apart from reading the spec's local files (lists of
 * files to copy, the user's Dockerfile); nothing is written here (the build module writes the context).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PlannedImage } from '../spec/types.js';
import { labels } from './common.js';
import { specError } from './quote.js';
import { renderFlyte } from './flyte.js';
import { renderGeneric } from './generic.js';
import type { BuildContext, RenderOptions } from './types.js';

export type { BuildContext, CacheMount, ContextFile, RenderOptions, SourceInfo } from './types.js';
export { ALL_CACHE_MOUNTS, CACHE_MOUNTS, DEFAULT_MICROMAMBA_IMAGE, DEFAULT_UV_IMAGE } from './defaults.js';
export { sourceFromEnv, SPEC_HASH_LABEL } from './common.js';
export { listTree } from './context.js';

/** Build arg a custom Dockerfile receives with the parent's reference when it builds on another image of the file. */
export const BASE_IMAGE_ARG = 'BASE_IMAGE';

/** The network modes `builder_options.network` accepts (those of `docker buildx build --network`). */
const NETWORKS = ['default', 'none', 'host'];

export async function renderBuild(planned: PlannedImage, opts: RenderOptions = {}): Promise<BuildContext> {
  const ctx = await (planned.spec.dockerfile
    ? renderDockerfile(planned, opts)
    : planned.flavor === 'flyte'
      ? renderFlyte(planned, opts)
      : renderGeneric(planned, opts));
  const network = builderNetwork(planned);
  return network ? { ...ctx, network } : ctx;
}

function builderNetwork(planned: PlannedImage): string | undefined {
  const spec = planned.spec;
  const value = spec.builder_options['network'];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !NETWORKS.includes(value)) {
    throw specError({ spec, path: 'builder_options.network' }, `must be one of ${NETWORKS.join(', ')}`);
  }
  return value;
}

/** A spec with its own Dockerfile: build it as is, with its context, build args and target. */
async function renderDockerfile(planned: PlannedImage, opts: RenderOptions): Promise<BuildContext> {
  const spec = planned.spec;
  const file = path.resolve(spec.dir, spec.dockerfile!);
  const contextDir = path.resolve(spec.dir, spec.build_context ?? path.dirname(file));
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw specError(
      { spec, path: 'dockerfile' },
      `${file} is not a file; point dockerfile at your Dockerfile`,
    );
  }
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    throw specError(
      { spec, path: spec.build_context ? 'build_context' : 'dockerfile' },
      `${contextDir} is not a directory; point build_context at the directory to build from`,
    );
  }
  const buildArgs = { ...spec.build_args };
  if (spec.base_image_of && planned.baseReference && !(BASE_IMAGE_ARG in buildArgs)) {
    buildArgs[BASE_IMAGE_ARG] = planned.baseReference;
  }
  return {
    planned,
    kind: 'dockerfile',
    dockerfile: readFileSync(file, 'utf8'),
    dockerfilePath: file,
    contextDir,
    files: [],
    secrets: [...spec.secrets],
    buildArgs,
    labels: labels(planned, opts),
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.dockerignore ? { dockerignore: spec.dockerignore } : {}),
    platforms: planned.platforms,
    cacheMounts: [],
    warnings: [],
  };
}
