/**
 * The hash stage: content-hash tags for every image of a spec file (see docs/hashing.md).
 */
import type { Flavor, PlannedImage, SpecFile } from '../spec/types.js';
import { planImage } from './plan.js';

export { explainMarkdown, explainText } from './explain.js';
export { GENERIC_SALT } from './plan.js';

export interface PlanImagesOptions {
  flavor: Flavor;
  /** Replaces every image's registry (the action's `registry` input); hashed as if the spec said it. */
  registry?: string;
}

/** Plans every image of the file in build order; a parent's reference is known before its children hash it. */
export async function planImages(file: SpecFile, opts: PlanImagesOptions): Promise<PlannedImage[]> {
  const byId = new Map<string, PlannedImage>();
  const out: PlannedImage[] = [];
  for (const spec of file.images) {
    const planned = await planImage(spec, opts, byId);
    byId.set(spec.id, planned);
    out.push(planned);
  }
  return out;
}
