/**
 * Merge: each content tag becomes an index of its legs' images (`imagetools create`), once every planned
 * platform's leg is in the registry. A content tag that exists is never written: not one found by the
 * check, nor one a concurrent run pushed since (asked again right before writing). The report is the one a
 * single-job run gives, with each platform's digest.
 */
import pLimit from 'p-limit';
import { decideImage } from '../decide.js';
import { UserError } from '../errors.js';
import {
  MANIFEST_ACCEPT,
  parseReference,
  type RegistryCheck,
  type RegistryClient,
} from '../registry/index.js';
import { checkOrUnknown } from '../registry/existence.js';
import { formatPlatform, normalizePlatform, type Platform } from '../registry/platform.js';
import type { ImageReport, RunReport } from '../report/types.js';
import {
  RunFailure,
  newReport,
  planFor,
  publishAll,
  runContext,
  type RunContext,
  type RunSettings,
} from '../run.js';
import type { PlannedImage } from '../spec/types.js';
import { legReference } from './legs.js';

export interface MergeSettings extends Omit<
  RunSettings,
  'image' | 'buildWithoutPush' | 'build' | 'mountCache'
> {
  /** Image ids to merge; empty: every image of the file. */
  images: string[];
  /** Images the plan found missing: reported as built by this run even when an earlier merge made them. */
  pending: string[];
}

/** What merge found for one image before writing anything. */
type Found =
  | { kind: 'exists'; existence: RegistryCheck }
  | { kind: 'ready'; existence: RegistryCheck; sources: string[] }
  | { kind: 'incomplete'; existence: RegistryCheck; missing: string[] }
  | { kind: 'fail'; message: string };

async function inspect(p: PlannedImage, settings: MergeSettings, client: RegistryClient): Promise<Found> {
  const existence = await checkOrUnknown(client, p.reference, p.platforms);
  if (existence.state === 'missing' && existence.digest) {
    return {
      kind: 'fail',
      message:
        `${p.reference} exists but lacks ${existence.missingPlatforms?.join(', ') ?? 'some platforms'}; merge never ` +
        'overwrites a content tag: delete the tag, or rebuild it in one job with force: true',
    };
  }
  const decision = decideImage(
    { reference: p.reference, hasRegistry: true, existence },
    { force: false, onUnknown: settings.onUnknown, canPush: true, buildWithoutPush: true },
  );
  if (decision.action === 'fail') return { kind: 'fail', message: decision.reason };
  if (decision.action === 'skip') return { kind: 'exists', existence };
  const sources: string[] = [];
  const missing: string[] = [];
  for (const platform of p.platforms) {
    const leg = legReference(p, platform);
    const found = await checkOrUnknown(client, leg, []);
    if (found.state === 'exists' && found.digest) sources.push(`${p.repository}@${found.digest}`);
    else missing.push(platform);
  }
  return missing.length > 0
    ? { kind: 'incomplete', existence, missing }
    : { kind: 'ready', existence, sources };
}

/** Digest of each platform's image in the index a reference names (attestation entries left out). */
export async function platformDigests(
  client: RegistryClient,
  reference: string,
): Promise<Record<string, string>> {
  const ref = parseReference(reference);
  const reply = await client.request(ref, `manifests/${ref.tag ?? ref.digest ?? 'latest'}`, {
    accept: MANIFEST_ACCEPT,
    deadline: client.deadline(),
  });
  if (reply.status !== 200) return {};
  const index = JSON.parse(reply.body) as { manifests?: Array<{ digest?: string; platform?: Platform }> };
  const out: Record<string, string> = {};
  for (const m of index.manifests ?? []) {
    if (!m.digest || !m.platform?.os || !m.platform.architecture || m.platform.os === 'unknown') continue;
    out[formatPlatform(normalizePlatform(m.platform))] = m.digest;
  }
  return out;
}

/**
 * The selected images and the images they build on, in build order (all when none are named): as with the
 * `image` input of a one-job run, a child's report comes with its parents'.
 */
function select(all: readonly PlannedImage[], ids: readonly string[]): PlannedImage[] {
  if (ids.length === 0) return [...all];
  const known = new Set(all.map((p) => p.spec.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UserError(
      `image ${unknown.join(', ')}: no such image in the spec file; it has: ${[...known].join(', ')}`,
    );
  }
  const byId = new Map(all.map((p) => [p.spec.id, p]));
  const wanted = new Set<string>();
  for (const id of ids) {
    for (
      let cur = byId.get(id);
      cur && !wanted.has(cur.spec.id);
      cur = byId.get(cur.spec.base_image_of ?? '')
    ) {
      wanted.add(cur.spec.id);
    }
  }
  return all.filter((p) => wanted.has(p.spec.id));
}

async function merge(
  p: PlannedImage,
  sources: string[],
  report: ImageReport,
  settings: MergeSettings,
  run: RunContext,
) {
  // Asked again right before writing: a concurrent run may have made the tag since the check.
  const now = await checkOrUnknown(run.client, p.reference, p.platforms);
  if (now.state === 'exists') {
    report.existence = now;
    report.reason = 'merged by a concurrent run';
    return;
  }
  if (now.state !== 'missing' || now.digest) {
    throw new UserError(
      `${p.reference}: not merged: the registry's answer changed since the check (${now.reason})`,
    );
  }
  const { createIndex } = await import('../publish/index-image.js');
  settings.log.info(`${p.reference}: merging ${p.platforms.join(', ')} from ${sources.join(' ')}`);
  await createIndex(p.reference, sources, { ...run.registryOptions, mask: (s) => settings.log.setSecret(s) });
  const made = await checkOrUnknown(run.client, p.reference, p.platforms);
  if (made.state !== 'exists' || !made.digest) {
    throw new UserError(
      `${p.reference}: merged, but the registry does not show it with every platform: ${made.reason}`,
    );
  }
  report.built = true;
  report.pushed = true;
  report.digest = made.digest;
  report.reason = `merged ${p.platforms.join(', ')} from the legs`;
}

/** Merges every selected image whose legs are all pushed; says which images still miss which platforms. */
export async function runMerge(settings: MergeSettings): Promise<RunReport> {
  const all = await planFor(settings, true);
  const selected = select(all, settings.images);
  for (const p of selected) {
    if (!p.registry) {
      throw new UserError(
        `images.${p.spec.id}: no registry is set; merge finds the legs in a registry: set 'registry' in the spec or the registry input`,
      );
    }
  }
  const run = await runContext(settings, selected);
  const limit = pLimit(8);
  const found = await Promise.all(selected.map((p) => limit(() => inspect(p, settings, run.client))));
  const failures = found.flatMap((f) => (f.kind === 'fail' ? [f.message] : []));
  if (failures.length > 0) throw new UserError(failures.join('\n'));

  const reports: ImageReport[] = [];
  const incomplete: string[] = [];
  const notes = run.push.reason ? [run.push.reason] : [];
  for (const [i, p] of selected.entries()) {
    const f = found[i]!;
    if (f.kind === 'fail') continue;
    const report = newReport(p, f.existence);
    reports.push(report);
    const pending = settings.pending.includes(p.spec.id);
    if (f.kind === 'exists') {
      report.reason = pending ? 'built by this run; merged by an earlier job' : 'exists';
    } else if (f.kind === 'incomplete' && !run.push.push) {
      // Legs were built without pushing (push: false): there is nothing to merge, and that is not a failure.
      report.reason = `not merged: ${run.push.reason ?? 'pushing is off'}`;
    } else if (f.kind === 'incomplete') {
      report.reason = `not merged: no leg image for ${f.missing.join(', ')}`;
      incomplete.push(
        `images.${p.spec.id}: missing ${f.missing.map((pl) => `${pl} (${legReference(p, pl)})`).join(', ')}`,
      );
    } else if (!run.push.push) {
      report.reason = `not merged: ${run.push.reason ?? 'pushing is off'}`;
    } else {
      await merge(p, f.sources, report, settings, run);
    }
    if (pending) {
      report.existed = false;
      if (report.existence.state === 'exists') {
        report.built = true;
        report.pushed = true;
      }
    }
    settings.log.info(`${p.reference}: ${report.reason}`);
  }
  await Promise.all(
    reports.map((r) =>
      limit(async () => {
        const digest = r.digest ?? r.existence.digest;
        if (!digest) return;
        r.platformDigests = await platformDigests(run.client, `${r.repository}@${digest}`).catch(() => ({}));
      }),
    ),
  );
  const publishFailures = await publishAll(reports, settings, run);
  const report: RunReport = { images: reports, notes };
  const problems = [...publishFailures];
  if (incomplete.length > 0) {
    problems.unshift(
      `${incomplete.length} image(s) still miss leg images; their legs failed or have not run (re-run them, then merge):\n${incomplete.join('\n')}`,
    );
  }
  if (problems.length > 0) throw new RunFailure(problems.join('\n'), report);
  return report;
}
