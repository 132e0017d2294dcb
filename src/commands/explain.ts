import { planTags } from '../pipeline.js';
import { explainText } from '../hash/index.js';
import { parseHashArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'usage: imagespec explain [--flavor generic|flyte] [--image NAME] [--registry R] SPEC';

/** `imagespec explain SPEC`: every input of each image's hash, and the resulting tag. */
export const explain: Command = {
  name: 'explain',
  summary: 'list every input of each image tag: values, file digests and the files behind them',
  usage: [
    'Usage: imagespec explain [--flavor generic|flyte] [--image NAME] [--registry R] SPEC',
    '',
    'For each image of SPEC, lists every hash input in hashing order: field values as hashed, file',
    'digests with the files behind them, excluded fields and why, the salt, the base image and the tag.',
    '',
    'Options:',
    '  --flavor generic|flyte  generic (default) or flyte: flyte tags equal the ones flytekit computes',
    '  --image NAME            explain only this image (its key in images:, or its name)',
    "  --registry R            use R instead of the spec's registry",
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const opts = parseHashArgs('explain', args, USAGE);
    const selected = await planTags(opts.spec, { ...opts, mode: 'hash' });
    process.stdout.write(explainText(selected));
    return 0;
  },
};
