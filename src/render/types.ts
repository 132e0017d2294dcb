import type { BuildSecret, PlannedImage } from '../spec/types.js';
import type { ContextFile } from './context.js';

export type { ContextFile } from './context.js';

/** A BuildKit cache mount the rendered Dockerfile uses. Ids are stable so caches can be kept between runs. */
export interface CacheMount {
  id: string;
  target: string;
}

/** Everything `docker buildx build` needs for one image: output of the render stage. */
export interface BuildContext {
  planned: PlannedImage;
  /** `rendered`: a Dockerfile made from the spec; `dockerfile`: the user's own Dockerfile and context. */
  kind: 'rendered' | 'dockerfile';
  /** Dockerfile text (for `dockerfile` specs: the user's file as read). */
  dockerfile: string;
  /** For `dockerfile` specs: the user's Dockerfile and context directory (absolute). */
  dockerfilePath?: string;
  contextDir?: string;
  /** For `dockerfile` specs: the spec's `dockerignore` file, used instead of the context's `.dockerignore`. */
  dockerignore?: string;
  /** For `rendered` specs: the files of the context directory besides the Dockerfile, sorted by path. */
  files: ContextFile[];
  /** Secrets to pass with `--secret`; the Dockerfile mounts them with `RUN --mount=type=secret`. */
  secrets: BuildSecret[];
  buildArgs: Record<string, string>;
  /** Labels set on the image (already in a rendered Dockerfile; passed with `--label` for `dockerfile` specs). */
  labels: Record<string, string>;
  target?: string;
  platforms: string[];
  /** `builder_options.network` (`host`, `none`, `default`). */
  network?: string;
  /** Cache mounts used by the Dockerfile. */
  cacheMounts: CacheMount[];
  /** Things the user should know (ignored fields and the like). */
  warnings: string[];
}

/** Where the build runs from, for the OCI source/revision labels. */
export interface SourceInfo {
  /** e.g. https://github.com/owner/repo */
  url?: string;
  revision?: string;
}

export interface RenderOptions {
  source?: SourceInfo;
  /** The flytekit requirement added by the flyte flavor when the spec does not list flytekit. */
  flytekitPackage?: string;
}
