/**
 * The distributed plan as a pure function: which (image, platform) legs are missing, in which dependency layer,
 * on which runner; grouped into GitHub Actions matrices and checked against GitHub's limits. Registry answers
 * come in as data (see plan.ts for the I/O).
 */
import { UserError } from '../errors.js';
import type { OnUnknown } from '../choices.js';
import { decideImage } from '../decide.js';
import type { RegistryCheck } from '../registry/index.js';
import type { PlannedImage } from '../spec/types.js';
import { legReference } from './legs.js';
import { runnerFor, type RunnerMap } from './runners.js';

/** GitHub runs at most 256 jobs from one matrix. */
export const MAX_MATRIX_JOBS = 256;
/** GitHub keeps at most 1 MB of outputs per job. */
export const MAX_JOB_OUTPUTS_BYTES = 1024 * 1024;

/**
 * One matrix job. Usually one leg: one image for one platform. When a layer has more than 256 legs, legs of one
 * platform share a job: `image`, `reference` and `push` are then comma-separated lists, built in order.
 */
export interface Leg {
  /** Image id(s) in the spec file (the key under `images:`, or the name of a single-image file). */
  image: string;
  platform: string;
  /** Runner label for `runs-on`. */
  runner: string;
  /** Content reference(s) the leg contributes to (merge makes it an index of every platform). */
  reference: string;
  /** Per-platform reference(s) the leg pushes. */
  push: string;
  /** The runner is not native for the platform: set up QEMU before building. */
  qemu: boolean;
}

export interface Layer {
  include: Leg[];
}

/** What the plan says about one image. */
export interface ImagePlan {
  image: string;
  reference: string;
  layer: number;
  /** `exists`: nothing to do; `build`: legs planned; `merge`: every leg is in the registry, only merge is left. */
  state: 'exists' | 'build' | 'merge';
  /** Platforms with a leg in this plan. */
  build: string[];
  /** Platforms whose leg image an earlier run already pushed. */
  present: string[];
}

export interface MatrixPlan {
  /** One matrix per dependency layer, layer 0 (images built on registry images) first. */
  layers: Layer[];
  /** Per layer: the images merge makes into content tags after that layer's legs. */
  merge: string[][];
  /** Number of (image, platform) legs in all layers. */
  legs: number;
  images: ImagePlan[];
  warnings: string[];
}

/** One image with the registry's answers: its content tag, and each platform's leg image. */
export interface CheckedImage {
  planned: PlannedImage;
  existence: RegistryCheck;
  /** Platform → whether its leg image is in the registry (asked only for images whose content tag is missing). */
  legs: ReadonlyMap<string, boolean>;
}

export interface MatrixOptions {
  runners: RunnerMap;
  onUnknown: OnUnknown;
  /** Layers the workflow has; a deeper dependency tree fails the plan. */
  maxLayers?: number;
}

/** Dependency depth of each image: 0 for images built on a registry image, parent + 1 otherwise. */
export function layersOf(planned: readonly PlannedImage[]): Map<string, number> {
  const byId = new Map(planned.map((p) => [p.spec.id, p]));
  const depth = new Map<string, number>();
  const of = (p: PlannedImage): number => {
    const known = depth.get(p.spec.id);
    if (known !== undefined) return known;
    const parent = p.spec.base_image_of === undefined ? undefined : byId.get(p.spec.base_image_of);
    const d = parent ? of(parent) + 1 : 0;
    depth.set(p.spec.id, d);
    return d;
  };
  for (const p of planned) of(p);
  return depth;
}

function chain(planned: readonly PlannedImage[], id: string): string {
  const byId = new Map(planned.map((p) => [p.spec.id, p]));
  const ids: string[] = [];
  for (
    let cur = byId.get(id);
    cur;
    cur = cur.spec.base_image_of ? byId.get(cur.spec.base_image_of) : undefined
  )
    ids.unshift(cur.spec.id);
  return ids.join(' → ');
}

/**
 * Groups a layer's legs so the matrix has at most 256 jobs: the smallest group size that fits, legs of one
 * platform (and so one runner) per group, in order.
 */
export function groupLegs(legs: readonly Leg[], max = MAX_MATRIX_JOBS): Leg[] {
  if (legs.length <= max) return [...legs];
  const byPlatform = new Map<string, Leg[]>();
  for (const leg of legs) byPlatform.set(leg.platform, [...(byPlatform.get(leg.platform) ?? []), leg]);
  if (byPlatform.size > max) {
    throw new UserError(
      `a layer has legs for ${byPlatform.size} platforms; a matrix runs at most ${max} jobs`,
    );
  }
  let size = Math.ceil(legs.length / max);
  const jobs = (n: number) => [...byPlatform.values()].reduce((sum, l) => sum + Math.ceil(l.length / n), 0);
  while (jobs(size) > max) size++;
  const out: Leg[] = [];
  for (const group of byPlatform.values()) {
    for (let i = 0; i < group.length; i += size) {
      const part = group.slice(i, i + size);
      out.push({
        image: part.map((l) => l.image).join(','),
        platform: part[0]!.platform,
        runner: part[0]!.runner,
        reference: part.map((l) => l.reference).join(','),
        push: part.map((l) => l.push).join(','),
        qemu: part[0]!.qemu,
      });
    }
  }
  return out;
}

/** The plan: legs only for what is missing, per dependency layer, grouped to GitHub's matrix limit. */
export function matrixPlan(images: readonly CheckedImage[], opts: MatrixOptions): MatrixPlan {
  const planned = images.map((i) => i.planned);
  const depth = layersOf(planned);
  const deepest = Math.max(0, ...depth.values());
  if (opts.maxLayers !== undefined && deepest + 1 > opts.maxLayers) {
    const leaf = [...depth.entries()].find(([, d]) => d === deepest)![0];
    throw new UserError(
      `the images build on each other ${deepest + 1} layers deep (${chain(planned, leaf)}), but the workflow ` +
        `runs at most ${opts.maxLayers} layers (max-layers: ${opts.maxLayers}); add layer and merge jobs to the ` +
        'workflow and raise max-layers, or make the chain shorter (see "Many images, many platforms" in the README)',
    );
  }
  const count = planned.length === 0 ? 0 : deepest + 1;
  const legsPerLayer: Leg[][] = Array.from({ length: count }, () => []);
  const merge: string[][] = Array.from({ length: count }, () => []);
  const out: ImagePlan[] = [];
  const failures: string[] = [];
  const warnings: string[] = [];
  let total = 0;
  for (const { planned: p, existence, legs } of images) {
    const layer = depth.get(p.spec.id)!;
    const line: ImagePlan = {
      image: p.spec.id,
      reference: p.reference,
      layer,
      state: 'exists',
      build: [],
      present: [],
    };
    out.push(line);
    if (existence.state === 'missing' && existence.digest) {
      failures.push(
        `${p.reference} exists but lacks ${existence.missingPlatforms?.join(', ') ?? 'some platforms'}; a ` +
          'distributed build never overwrites a content tag: delete the tag, or rebuild it in one job with force: true',
      );
      continue;
    }
    if (!p.registry) {
      failures.push(
        `images.${p.spec.id}: no registry is set; a distributed build hands images between jobs through a ` +
          "registry: set 'registry' in the spec or the registry input",
      );
      continue;
    }
    const choice = decideImage(
      { reference: p.reference, hasRegistry: true, existence, noop: p.noop === true },
      { force: false, onUnknown: opts.onUnknown, canPush: true, buildWithoutPush: true },
    );
    if (choice.action === 'fail') {
      failures.push(choice.reason);
      continue;
    }
    if (choice.warning) warnings.push(choice.warning);
    if (choice.action === 'skip') continue;
    for (const platform of p.platforms) {
      if (legs.get(platform) === true) {
        line.present.push(platform);
        continue;
      }
      line.build.push(platform);
      const { runner, qemu } = runnerFor(opts.runners, platform);
      legsPerLayer[layer]!.push({
        image: p.spec.id,
        platform,
        runner,
        reference: p.reference,
        push: legReference(p, platform),
        qemu,
      });
      total++;
    }
    line.state = line.build.length > 0 ? 'build' : 'merge';
    merge[layer]!.push(p.spec.id);
  }
  if (failures.length > 0) throw new UserError(failures.join('\n'));
  return {
    layers: legsPerLayer.map((legs) => ({ include: groupLegs(legs) })),
    merge,
    legs: total,
    images: out,
    warnings,
  };
}

/**
 * The plan as job outputs: `matrix` (the whole plan), `legs`, and per layer N < `layers`: `layer-N` (a matrix
 * for `strategy.matrix: ${{ fromJSON(...) }}`), `legs-N` (its leg count; 0 means skip the layer's job) and
 * `merge-N` (the images to merge after it, comma-separated). Fails when the outputs exceed GitHub's 1 MB.
 */
export function planOutputs(plan: MatrixPlan, layers = plan.layers.length): Record<string, string> {
  if (plan.layers.length > layers) {
    throw new UserError(`the plan has ${plan.layers.length} layers; the outputs were asked for ${layers}`);
  }
  const out: Record<string, string> = {
    matrix: JSON.stringify(plan),
    legs: String(plan.legs),
    layers: String(plan.layers.length),
    pending: plan.merge.flat().join(','),
  };
  for (let n = 0; n < layers; n++) {
    const layer = plan.layers[n] ?? { include: [] };
    out[`layer-${n}`] = JSON.stringify(layer);
    out[`legs-${n}`] = String(layer.include.reduce((sum, l) => sum + l.image.split(',').length, 0));
    out[`merge-${n}`] = (plan.merge[n] ?? []).join(',');
  }
  const bytes = Object.entries(out).reduce(
    (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  if (bytes > MAX_JOB_OUTPUTS_BYTES) {
    throw new UserError(
      `the plan's job outputs take ${bytes} bytes; GitHub keeps at most ${MAX_JOB_OUTPUTS_BYTES} bytes ` +
        `(1 MB) per job: split the spec file into several files, each planned by its own workflow call`,
    );
  }
  return out;
}
