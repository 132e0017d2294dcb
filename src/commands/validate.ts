import { UserError } from '../errors.js';
import { checkSpecFile } from '../spec/index.js';
import { parseSpecArgs } from './args.js';
import type { Command } from './command.js';

const USAGE = 'usage: imagespec validate [--flavor generic|flyte] SPEC';

/** `imagespec validate SPEC`: report every problem of a spec file, or confirm it is valid. */
export const validate: Command = {
  name: 'validate',
  summary: 'check a spec file and report every problem with FILE:LINE:COL',
  usage: [
    USAGE.replace('usage: ', 'Usage: '),
    '',
    'Checks SPEC (an ImageSpec YAML file) and prints each problem as FILE:LINE:COL: error: MESSAGE',
    'on stderr. Exits 0 when the file is valid, 1 when it has problems. A valid file builds: render and',
    'build refuse nothing that validate accepts with the same --flavor (default generic).',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const { spec: file, flavor } = parseSpecArgs('validate', args, USAGE, {});
    const { spec, diagnostics } = await checkSpecFile(file, { flavor });
    if (!spec) {
      const n = diagnostics.length;
      throw new UserError(`${file}: ${n} problem${n === 1 ? '' : 's'}`, diagnostics);
    }
    const ids = spec.images.map((i) => i.id).join(', ');
    process.stdout.write(
      `${file}: valid (${spec.images.length} image${spec.images.length === 1 ? '' : 's'}: ${ids})\n`,
    );
    return 0;
  },
};
