import { planTags } from '../pipeline.js';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import type { Flavor } from '../spec/types.js';
import type { Command } from './command.js';

export interface HashArgs {
  spec: string;
  flavor: Flavor;
  image?: string;
  registry?: string;
}

export function parseHashArgs(command: string, args: string[], usage: string): HashArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        flavor: { type: 'string' },
        image: { type: 'string' },
        registry: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message.split('\n')[0]}; ${usage}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UserError(`${command}: give one spec file; ${usage}`);
  const flavor = values.flavor ?? 'generic';
  if (flavor !== 'generic' && flavor !== 'flyte') {
    throw new UserError(`${command}: --flavor must be 'generic' or 'flyte', not '${flavor}'`);
  }
  const out: HashArgs = { spec: positionals[0]!, flavor };
  if (values.image !== undefined) out.image = values.image;
  if (values.registry !== undefined) {
    if (values.registry === '')
      throw new UserError(`${command}: --registry needs a value, e.g. --registry ghcr.io/acme`);
    out.registry = values.registry;
  }
  return out;
}

const USAGE = 'usage: imagespec tag [--flavor generic|flyte] [--image NAME] [--registry R] SPEC';

/** `imagespec tag SPEC`: the full reference of every image, one per line, in build order. */
export const tag: Command = {
  name: 'tag',
  summary: 'print the content-hash reference of each image, in build order',
  usage: [
    'Usage: imagespec tag [--flavor generic|flyte] [--image NAME] [--registry R] SPEC',
    '',
    'Prints the full reference (registry/name:tag) of each image of SPEC, one per line, parents first.',
    'The tag is a hash of everything that shapes the image (see docs/hashing.md).',
    '',
    'Options:',
    '  --flavor generic|flyte  generic (default) or flyte: flyte tags equal the ones flytekit computes',
    '  --image NAME            print only this image (its key in images:, or its name)',
    "  --registry R            use R instead of the spec's registry",
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const opts = parseHashArgs('tag', args, USAGE);
    const selected = await planTags(opts.spec, opts);
    for (const p of selected) process.stdout.write(`${p.reference}\n`);
    return 0;
  },
};
