import { planTags } from '../pipeline.js';
import { renderBuild, sourceFromEnv } from '../render/index.js';
import { parseHashArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'usage: imagespec render [--flavor generic|flyte] [--image NAME] [--registry R] SPEC';

/** `imagespec render SPEC`: the Dockerfile of each image (or of the one `--image` names). */
export const render: Command = {
  name: 'render',
  summary: 'print the Dockerfile rendered for each image',
  usage: [
    'Usage: imagespec render [--flavor generic|flyte] [--image NAME] [--registry R] SPEC',
    '',
    'Prints the Dockerfile that `imagespec build` would build. With several images and no --image, each',
    "Dockerfile is preceded by a '# image: NAME REFERENCE' line. Specs with their own Dockerfile print it",
    'as is. Warnings go to stderr. See docs/render.md.',
    '',
    'Options:',
    '  --flavor generic|flyte  generic (default): a lean image; flyte: as flytekit builds it',
    '  --image NAME            only this image (its key in images:, or its name)',
    "  --registry R            use R instead of the spec's registry (changes parent references)",
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const opts = parseHashArgs('render', args, USAGE);
    const selected = await planTags(opts.spec, opts);
    const source = sourceFromEnv();
    for (const planned of selected) {
      if (planned.noop) {
        process.stdout.write(
          `# image: ${planned.spec.id} ${planned.reference}\n# builder: noop: the image is base_image as it is; there is nothing to render\n`,
        );
        continue;
      }
      const ctx = await renderBuild(planned, { source });
      for (const w of ctx.warnings) process.stderr.write(`warning: ${w}\n`);
      if (selected.length > 1) process.stdout.write(`# image: ${planned.spec.id} ${planned.reference}\n`);
      process.stdout.write(ctx.dockerfile);
      if (selected.length > 1) process.stdout.write('\n');
    }
    return 0;
  },
};
