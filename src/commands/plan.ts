import { planStage, type PlanEntry } from '../pipeline.js';
import { parseHashArgs } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'usage: imagespec plan [--flavor generic|flyte] [--image NAME] [--registry R] [--insecure-registry HOST]... SPEC';

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
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const opts = parseHashArgs('plan', args, USAGE, true);
    const entries = await planStage(opts.spec, {
      flavor: opts.flavor,
      ...(opts.registry ? { registry: opts.registry } : {}),
      ...(opts.image ? { image: opts.image } : {}),
      ...(opts.insecure?.length ? { registryOptions: { insecure: opts.insecure } } : {}),
    });
    process.stdout.write(`${JSON.stringify(entries.map(planLine), null, 2)}\n`);
    return 0;
  },
};
