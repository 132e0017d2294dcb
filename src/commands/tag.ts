import { planTags } from '../pipeline.js';
import { parseHashArgs } from './args.js';
import type { Command } from './command.js';

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
    const selected = await planTags(opts.spec, { ...opts, mode: 'hash' });
    for (const p of selected) process.stdout.write(`${p.reference}\n`);
    return 0;
  },
};
