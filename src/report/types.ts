import type { DescribedChange } from '../hash/changes.js';
import type { Existence, PlannedImage, Visibility } from '../spec/types.js';

/** Everything the action reports about one image, in build order. Built once, written by outputs and summary. */
export interface ImageReport {
  id: string;
  repository: string;
  reference: string;
  tag: string;
  specHash: string;
  platforms: string[];
  existence: Existence;
  /** The image existed before this run. */
  existed: boolean;
  built: boolean;
  pushed: boolean;
  /** Why the image was built or skipped, for people: "exists", "tag missing: spec changed or first build", … */
  reason: string;
  digest?: string;
  /** Platform → digest of its image in the index (after merge). */
  platformDigests?: Record<string, string>;
  visibility: Visibility;
  settingsUrl?: string;
  /** Cache result for people, e.g. "gha: exported", "gha: not exported (…)", "none". */
  cache?: string;
  durationMs: number;
  extraTags: string[];
  /**
   * For a built image: the hash inputs that differ from the last build of it on this branch; null when no
   * earlier record exists (first build); absent when not built or no record store was used.
   */
  changes?: DescribedChange[] | null;
  /** The planned image (hash inputs for the explain table). */
  planned: PlannedImage;
  warnings: string[];
}

export interface RunReport {
  images: ImageReport[];
  /** Notes shown above the table (fork-safe mode, fallbacks). */
  notes: string[];
}
