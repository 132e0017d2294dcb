import { stderrLog } from '../build/index.js';
import { parseOnUnknown } from '../choices.js';
import { runMerge } from '../distribute/merge.js';
import type { RunReport } from '../report/types.js';
import { RunFailure } from '../run.js';
import { INSECURE_OPTION, buildkitdOption, insecureRegistries, parseSpecArgs } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'usage: imagespec merge [--flavor generic|flyte] [--image NAME[,NAME...]] [--platforms P,...] [--registry R] [--insecure-registry HOST]... SPEC';

function print(report: RunReport): void {
  for (const image of report.images) {
    const digest = image.digest ?? image.existence.digest;
    const note = image.pushed && image.built ? ' (merged)' : digest ? ' (exists)' : ` (${image.reason})`;
    process.stdout.write(`${image.reference}${digest ? `@${digest}` : ''}${note}\n`);
  }
}

/** `imagespec merge SPEC`: the content tags of a build spread over runners, from the legs' images. */
export const merge: Command = {
  name: 'merge',
  summary: 'make each content tag an index of its per-platform leg images (after build --platform)',
  usage: [
    USAGE.replace('usage: ', 'Usage: '),
    '',
    'For every image of SPEC (or the --image ones) whose content tag is missing and whose leg images',
    '(REPOSITORY:TAG-OS-ARCH, pushed by `imagespec build --platform`) are all in the registry, makes the',
    'content tag an index of them with `docker buildx imagetools create`. Never writes a content tag that',
    'exists. Prints one line per image: REFERENCE@DIGEST (merged) or (exists); exits 1 naming the images',
    'that still miss leg images, and which platforms.',
    '',
    'Options:',
    '  --flavor generic|flyte   generic (default) or flyte, as for the plan',
    '  --image NAME[,NAME...]   only these images and the images they build on',
    "  --platforms P,...        replace every image's platforms (and so its tag), as the plan did",
    "  --registry R             use R instead of the spec's registry",
    '  --insecure-registry HOST[:PORT]  reach this registry over plain HTTP (repeatable)',
    '  --buildkitd-config FILE  registries with [registry."HOST"] ca = [FILE] are reached over HTTPS trusting that CA',
    '  --on-unknown fail|build|skip  when the registry cannot answer (default fail)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const {
      spec,
      flavor,
      values: v,
    } = parseSpecArgs('merge', args, USAGE, {
      platforms: { type: 'string' },
      'on-unknown': { type: 'string' },
      ...INSECURE_OPTION,
    });
    const insecure = insecureRegistries('merge', v);
    const buildkitd = await buildkitdOption(v, insecure);
    const list = (text: string | undefined) =>
      (text ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const platforms = list(v.platforms);
    try {
      print(
        await runMerge({
          specPath: spec,
          flavor,
          images: list(v.image),
          pending: [],
          ...(v.registry ? { registry: v.registry } : {}),
          ...(platforms.length ? { platforms } : {}),
          pushPolicy: async () => ({ push: true }),
          force: false,
          onUnknown: parseOnUnknown('merge: --on-unknown', v['on-unknown']),
          requirePublic: false,
          extraTags: [],
          registryOptions: { insecure, ...(buildkitd ? { ca: buildkitd.ca } : {}) },
          visibility: false,
          log: stderrLog,
        }),
      );
    } catch (err) {
      if (err instanceof RunFailure) print(err.report);
      throw err;
    }
    return 0;
  },
};
