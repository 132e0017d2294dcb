import { DEFAULT_RUNNERS, parseRunners } from '../distribute/runners.js';
import { planMatrix } from '../distribute/plan.js';
import { planOutputs } from '../distribute/matrix.js';
import { UserError } from '../errors.js';
import { planStage, type PlanEntry } from '../pipeline.js';
import { parseOnUnknown } from '../choices.js';
import {
  INSECURE_OPTION,
  buildkitdOption,
  insecureRegistries,
  parseHashArgs,
  parseSpecArgs,
  platformsOption,
} from './args.js';
import type { Command } from './command.js';

const USAGE =
  'usage: imagespec plan [--flavor generic|flyte] [--image NAME] [--registry R] [--insecure-registry HOST]... [--matrix [--runners MAP] [--max-layers N] [--platforms P,...] [--on-unknown fail|build|skip]] SPEC';

/** One line of `imagespec plan` output. */
export interface PlanLine {
  name: string;
  image: string;
  tag: string;
  existence: 'exists' | 'missing' | 'unknown';
  reason: string;
  digest?: string;
  missingPlatforms?: string[];
}

export function planLine({ planned, existence }: PlanEntry): PlanLine {
  const line: PlanLine = {
    name: planned.spec.id,
    image: planned.reference,
    tag: planned.tag,
    existence: existence.state,
    reason: existence.reason,
  };
  if (existence.state === 'exists' && existence.digest) line.digest = existence.digest;
  if (existence.missingPlatforms?.length) line.missingPlatforms = existence.missingPlatforms;
  return line;
}

/** `imagespec plan SPEC`: which images exist in their registry, as JSON, in build order. */
export const plan: Command = {
  name: 'plan',
  summary: 'check which images already exist in their registry (JSON), in build order',
  usage: [
    USAGE.replace('usage: ', 'Usage: '),
    '',
    'Computes every image reference of SPEC and asks its registry whether the tag exists.',
    'Prints a JSON array in build order: {name, image, tag, existence, reason, digest?}, where existence is',
    'exists, missing or unknown (the registry could not answer: the reason says why). Exits 0 whatever the',
    'answers; 1 for problems in the spec file.',
    '',
    'Credentials come from Docker: $DOCKER_CONFIG/config.json or ~/.docker/config.json (credHelpers,',
    'credsStore, auths), as written by `docker login`. See docs/registry.md.',
    '',
    'Options:',
    '  --flavor generic|flyte  generic (default) or flyte: flyte tags equal the ones flytekit computes',
    '  --image NAME            check only this image (its key in images:, or its name)',
    "  --registry R            use R instead of the spec's registry",
    '  --insecure-registry HOST[:PORT]  reach this registry over plain HTTP (repeatable; loopback',
    '                          registries use plain HTTP anyway)',
    '  --buildkitd-config FILE BuildKit configuration: registries with [registry."HOST"] ca = [FILE] are',
    '                          reached over HTTPS trusting that CA (also on loopback)',
    '',
    'With --matrix, prints the work for a build spread over many runners instead (see "Many images, many',
    'platforms" in the README): {"layers": [{"include": [LEG, ...]}, ...], "merge": [[ID, ...], ...], "legs": N,',
    '"images": [...]}, layer 0 first. Each LEG is one missing image for one platform: {image, platform, runner,',
    'reference, push, qemu}; images whose content tag exists, and platforms whose leg image an earlier run',
    'pushed, have none. "merge" lists, per layer, the images `imagespec merge` completes after its legs.',
    '  --runners MAP           runner per platform, e.g. default=ubuntu-24.04,linux/arm64=ubuntu-24.04-arm',
    `                          (the default); platforms without their own runner build on the default one under QEMU`,
    '  --max-layers N          fail when the images build on each other more than N layers deep',
    "  --platforms P,...       replace every image's platforms (and so its tag), as the action's platforms input",
    '  --on-unknown fail|build|skip  when the registry cannot answer (default fail)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    if (args.includes('--matrix')) return runMatrix(args.filter((a) => a !== '--matrix'));
    const opts = parseHashArgs('plan', args, USAGE, true);
    const buildkitd = await buildkitdOption(
      { 'buildkitd-config': opts.buildkitdConfig },
      opts.insecure ?? [],
    );
    const entries = await planStage(opts.spec, {
      flavor: opts.flavor,
      ...(opts.registry ? { registry: opts.registry } : {}),
      ...(opts.image ? { image: opts.image } : {}),
      ...(opts.insecure?.length || buildkitd
        ? { registryOptions: { insecure: opts.insecure ?? [], ...(buildkitd ? { ca: buildkitd.ca } : {}) } }
        : {}),
    });
    process.stdout.write(`${JSON.stringify(entries.map(planLine), null, 2)}\n`);
    return 0;
  },
};

async function runMatrix(args: string[]): Promise<number> {
  const {
    spec,
    flavor,
    values: v,
  } = parseSpecArgs('plan', args, USAGE, {
    runners: { type: 'string' },
    'max-layers': { type: 'string' },
    platforms: { type: 'string' },
    'on-unknown': { type: 'string' },
    ...INSECURE_OPTION,
  });
  const insecure = insecureRegistries('plan', v);
  const buildkitd = await buildkitdOption(v, insecure);
  const { registry, image } = v;
  if (registry === '') throw new UserError('plan: --registry needs a value, e.g. --registry ghcr.io/acme');
  const maxLayers = v['max-layers'] === undefined ? undefined : positiveInt(v['max-layers']);
  const platforms = platformsOption('plan', v.platforms);
  const plan = await planMatrix(spec, {
    flavor,
    ...(registry ? { registry } : {}),
    ...(image ? { image } : {}),
    ...(platforms?.length ? { platforms } : {}),
    runners: parseRunners(v.runners ?? DEFAULT_RUNNERS),
    onUnknown: parseOnUnknown('plan: --on-unknown', v['on-unknown']),
    ...(maxLayers !== undefined ? { maxLayers } : {}),
    registryOptions: { insecure, ...(buildkitd ? { ca: buildkitd.ca } : {}) },
  });
  planOutputs(plan, Math.max(plan.layers.length, maxLayers ?? 0));
  for (const w of plan.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  return 0;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`plan: --max-layers needs a whole number ≥ 1, not '${text}'`);
  return n;
}
