/**
 * Render stage: PlannedImage → BuildContext. Pure apart from reading the spec's local files (lists of
 * files to copy, the user's Dockerfile); nothing is written here (the build module writes the context).
 */
import path from 'node:path';
import { LIMITS, readLimitedSync } from '../spec/limits.js';
import type { PlannedImage } from '../spec/types.js';
import { labels } from './common.js';
import { renderFlyte } from './flyte.js';
import { renderGeneric } from './generic.js';
import type { BuildContext, RenderOptions } from './types.js';

export type { BuildContext, CacheMount, ContextFile, RenderOptions, SourceInfo } from './types.js';
export { ALL_CACHE_MOUNTS, CACHE_MOUNTS, DEFAULT_MICROMAMBA_IMAGE, DEFAULT_UV_IMAGE } from './defaults.js';
export { sourceFromEnv, SPEC_HASH_LABEL } from './common.js';
export { listTree } from './context.js';

/** Build arg a custom Dockerfile receives with the parent's reference when it builds on another image of the file. */
export const BASE_IMAGE_ARG = 'BASE_IMAGE';

export async function renderBuild(planned: PlannedImage, opts: RenderOptions = {}): Promise<BuildContext> {
  const ctx = await (planned.spec.dockerfile
    ? renderDockerfile(planned, opts)
    : planned.flavor === 'flyte'
      ? renderFlyte(planned, opts)
      : renderGeneric(planned, opts));
  const network = builderNetwork(planned);
  return network ? { ...ctx, network } : ctx;
}

/** `builder_options.network`: one of default, none or host (the spec stage refuses anything else). */
function builderNetwork(planned: PlannedImage): string | undefined {
  const value = planned.spec.builder_options['network'];
  return typeof value === 'string' ? value : undefined;
}

/** A spec with its own Dockerfile: build it as is, with its context, build args and target. */
async function renderDockerfile(planned: PlannedImage, opts: RenderOptions): Promise<BuildContext> {
  const spec = planned.spec;
  const file = path.resolve(spec.dir, spec.dockerfile!);
  // The spec stage has checked that the Dockerfile is a file and the context a directory.
  const contextDir = path.resolve(spec.dir, spec.build_context ?? path.dirname(file));
  const buildArgs = { ...spec.build_args };
  if (spec.base_image_of && planned.baseReference && !(BASE_IMAGE_ARG in buildArgs)) {
    buildArgs[BASE_IMAGE_ARG] = planned.baseReference;
  }
  return {
    planned,
    kind: 'dockerfile',
    dockerfile: readLimitedSync(file, LIMITS.dockerfileBytes, 'Dockerfile').toString('utf8'),
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
