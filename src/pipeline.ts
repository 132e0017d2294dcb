/**
 * The stages wired once, for the action and the CLI alike (see docs/architecture.md).
 * Plan: load the spec → hash every image → ask the registry whether each tag exists (bounded concurrency).
 */
import pLimit from 'p-limit';
import { buildImages, type BuildOptions, type BuildResult } from './build/index.js';
import { errorMessage } from './errors.js';
import { planImages, type PlanImagesOptions } from './hash/index.js';
import {
  RegistryClient,
  checkExistence,
  type RegistryCheck,
  type RegistryOptions,
} from './registry/index.js';
import { renderBuild, type BuildContext, type RenderOptions } from './render/index.js';
import { loadSpecFile } from './spec/index.js';
import type { PlannedImage } from './spec/types.js';

/** An image with the registry's answer about its tag. */
export interface PlanEntry {
  planned: PlannedImage;
  existence: RegistryCheck;
}

export interface PlanOptions extends PlanImagesOptions {
  /** Narrow the planned images (e.g. to one `--image`); all of them by default. */
  select?: (planned: PlannedImage[]) => PlannedImage[];
  registry?: string;
  registryOptions?: RegistryOptions;
  /** Existence checks in flight at once. */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 4;

/** Ask the registry about every planned image, a few at a time; results keep the build order. */
export async function checkPlanned(
  planned: readonly PlannedImage[],
  client: RegistryClient,
  concurrency: number = DEFAULT_CONCURRENCY,
): Promise<PlanEntry[]> {
  const limit = pLimit(Math.max(1, concurrency));
  return Promise.all(
    planned.map((p) => limit(async () => ({ planned: p, existence: await checkOne(client, p) }))),
  );
}

async function checkOne(client: RegistryClient, p: PlannedImage): Promise<RegistryCheck> {
  if (!p.spec.registry && !p.repository.includes('/')) {
    return {
      state: 'unknown',
      cause: 'no-registry',
      reason:
        "no registry is set, so there is nothing to look up; set 'registry' in the spec or pass --registry",
    };
  }
  try {
    return await checkExistence(client, p.reference, p.platforms);
  } catch (err) {
    return { state: 'unknown', cause: 'server', reason: errorMessage(err) };
  }
}

/** The plan stage: load → hash → check existence. */
export async function planStage(specPath: string, opts: PlanOptions): Promise<PlanEntry[]> {
  const file = await loadSpecFile(specPath);
  const hashOpts: PlanImagesOptions = { flavor: opts.flavor };
  if (opts.registry !== undefined) hashOpts.registry = opts.registry;
  const all = await planImages(file, hashOpts);
  const planned = opts.select ? opts.select(all) : all;
  return checkPlanned(planned, new RegistryClient(opts.registryOptions), opts.concurrency);
}

/** The build stage: render each image to be built and build them in order (parents first). */
export async function buildStage(
  planned: readonly PlannedImage[],
  opts: BuildOptions & { render?: RenderOptions },
): Promise<BuildResult[]> {
  const contexts: BuildContext[] = [];
  for (const p of planned) contexts.push(await renderBuild(p, opts.render ?? {}));
  return contexts.length > 0 ? buildImages(contexts, opts) : [];
}
