/**
 * One leg of a build spread over runners: each named image for one platform, pushed under its leg tag
 * (legs.ts) for merge to join. A leg whose image an earlier run pushed, or whose content tag merge has
 * already made, is not built again, so a re-run of a failed workflow builds only what failed.
 */
import pLimit from 'p-limit';
import { UserError } from '../errors.js';
import { checkOrUnknown } from '../registry/existence.js';
import { formatPlatform, parsePlatform, samePlatform } from '../registry/platform.js';
import type { RunReport } from '../report/types.js';
import { buildAll, newReport, planFor, runContext, type RunSettings } from '../run.js';
import type { PlannedImage } from '../spec/types.js';
import { legImage } from './legs.js';

export interface LegSettings extends Omit<
  RunSettings,
  'image' | 'extraTags' | 'requirePublic' | 'visibility'
> {
  /** Image ids (a grouped matrix job names several), built in build order. */
  images: string[];
  platform: string;
}

/** The planned images a leg builds, in build order; refuses ids the file lacks and platforms an image lacks. */
export function selectLegImages(
  all: readonly PlannedImage[],
  ids: readonly string[],
  platform: string,
): PlannedImage[] {
  const known = new Set(all.map((p) => p.spec.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UserError(
      `image ${unknown.join(', ')}: no such image in the spec file; it has: ${[...known].join(', ')}`,
    );
  }
  const wanted = all.filter((p) => ids.includes(p.spec.id));
  const want = parsePlatform(platform);
  for (const p of wanted) {
    if (!p.registry) {
      throw new UserError(
        `images.${p.spec.id}: no registry is set; a leg hands its image to merge through a registry: set 'registry' in the spec or the registry input`,
      );
    }
    if (!p.platforms.some((pl) => samePlatform(parsePlatform(pl), want))) {
      throw new UserError(
        `images.${p.spec.id}: ${formatPlatform(want)} is not one of its platforms (${p.platforms.join(', ')}); plan again: the spec changed since the plan`,
      );
    }
  }
  return wanted.map((p) =>
    legImage(
      p,
      p.platforms.find((pl) => samePlatform(parsePlatform(pl), want))!,
    ),
  );
}

/** Builds and pushes the leg images that are not in the registry yet. */
export async function runLeg(settings: LegSettings): Promise<RunReport> {
  const { log } = settings;
  const all = await planFor(settings, true);
  const legs = selectLegImages(all, settings.images, settings.platform);
  const run = await runContext(settings, legs);
  const limit = pLimit(4);
  const answers = await Promise.all(
    legs.map((leg) =>
      limit(async () => {
        const content = all.find((p) => p.spec.id === leg.spec.id)!;
        const merged = await checkOrUnknown(run.client, content.reference, content.platforms);
        const pushed =
          merged.state === 'exists' ? merged : await checkOrUnknown(run.client, leg.reference, []);
        return { leg, merged, pushed };
      }),
    ),
  );
  const reports = [];
  const toBuild = new Set<string>();
  for (const { leg, merged, pushed } of answers) {
    const report = newReport(leg, pushed);
    reports.push(report);
    if (merged.state === 'exists' && !settings.force) {
      report.existed = true;
      report.reason = `${all.find((p) => p.spec.id === leg.spec.id)!.reference} exists: merged by an earlier run`;
    } else if (pushed.state === 'exists' && !settings.force) {
      report.reason = 'pushed by an earlier run';
    } else {
      report.existed = false;
      report.reason = settings.force ? 'force' : `leg image missing: ${pushed.reason}`;
      toBuild.add(leg.spec.id);
    }
    log.info(`${leg.reference}: ${toBuild.has(leg.spec.id) ? 'building' : 'skipping'} (${report.reason})`);
  }
  if (!run.push.push && !settings.buildWithoutPush) toBuild.clear();
  await buildAll(legs, toBuild, reports, settings, run);
  return { images: reports, notes: run.push.reason ? [run.push.reason] : [] };
}
