/**
 * The distributed plan's I/O: ask the registry about every content tag, and for the missing ones about each
 * platform's leg image (an interrupted run may have pushed some); then matrix.ts decides.
 */
import pLimit from 'p-limit';
import { checkPlanned, planTags, type TagOptions } from '../pipeline.js';
import { RegistryClient, checkExistence, type RegistryOptions } from '../registry/index.js';
import type { PlannedImage } from '../spec/types.js';
import { legReference } from './legs.js';
import { matrixPlan, type CheckedImage, type MatrixOptions, type MatrixPlan } from './matrix.js';

/** Registry checks in flight at once: a monorepo plan asks about hundreds of tags. */
export const PLAN_CONCURRENCY = 16;

/** Existence of every content tag and, for missing ones, of each platform's leg image. */
export async function checkImages(
  planned: readonly PlannedImage[],
  client: RegistryClient,
  concurrency = PLAN_CONCURRENCY,
): Promise<CheckedImage[]> {
  const entries = await checkPlanned(planned, client, concurrency);
  const state = new Map(entries.map((e) => [e.planned.spec.id, e.existence.state]));
  const limit = pLimit(concurrency);
  return Promise.all(
    entries.map(async ({ planned: p, existence }) => {
      const legs = new Map<string, boolean>();
      // A leg starts FROM its parent's content tag, so no leg of an image whose parent is missing can have
      // been pushed: those are not asked about (a first run of a monorepo asks once per image, not per leg).
      const parentMissing =
        p.spec.base_image_of !== undefined && state.get(p.spec.base_image_of) === 'missing';
      // Only a missing tag (not one that exists without some platforms) can be completed by merge.
      if (existence.state === 'missing' && !existence.digest && p.registry && !parentMissing) {
        await Promise.all(
          p.platforms.map((platform) =>
            limit(async () => {
              const found = await checkExistence(client, legReference(p, platform)).catch(() => undefined);
              legs.set(platform, found?.state === 'exists');
            }),
          ),
        );
      }
      return { planned: p, existence, legs };
    }),
  );
}

export interface MatrixPlanOptions extends TagOptions, MatrixOptions {
  registryOptions?: RegistryOptions;
  concurrency?: number;
}

/** Load → hash (the selected image and what it builds on) → registry checks → the matrices. */
export async function planMatrix(specPath: string, opts: MatrixPlanOptions): Promise<MatrixPlan> {
  const planned = await planTags(specPath, { ...opts, withParents: true });
  const checked = await checkImages(planned, new RegistryClient(opts.registryOptions), opts.concurrency);
  return matrixPlan(checked, opts);
}
