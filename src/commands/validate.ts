import { UserError } from '../errors.js';
import { checkSpecFile } from '../spec/index.js';
import type { Command } from './command.js';

/** `imagespec validate SPEC`: report every problem of a spec file, or confirm it is valid. */
export const validate: Command = {
  name: 'validate',
  summary: 'check a spec file and report every problem with FILE:LINE:COL',
  usage: [
    'Usage: imagespec validate SPEC',
    '',
    'Checks SPEC (an ImageSpec YAML file) and prints each problem as FILE:LINE:COL: error: MESSAGE',
    'on stderr. Exits 0 when the file is valid, 1 when it has problems.',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const specs = args.filter((a) => !a.startsWith('-'));
    const unknown = args.find((a) => a.startsWith('-'));
    if (unknown !== undefined)
      throw new UserError(`validate: unknown option '${unknown}'; usage: imagespec validate SPEC`);
    if (specs.length !== 1)
      throw new UserError('validate: give one spec file; usage: imagespec validate SPEC');
    const file = specs[0] as string;
    const { spec, diagnostics } = await checkSpecFile(file);
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
