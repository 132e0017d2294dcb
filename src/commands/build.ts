import { stderrLog } from '../build/index.js';
import { parseCacheBackend, parseOnUnknown, parseProvenance } from '../choices.js';
import { UserError } from '../errors.js';
import { runLeg } from '../distribute/leg.js';
import { run, type RunSettings } from '../run.js';
import {
  INSECURE_OPTION,
  buildkitdOption,
  insecureRegistries,
  parseSpecArgs,
  platformsOption,
} from './args.js';
import type { Command } from './command.js';

const USAGE =
  'usage: imagespec build [--flavor generic|flyte] [--image NAME[,NAME...] [--platform P]] [--platforms P,...] [--push|--no-push] [--force] [--registry R] [--insecure-registry HOST]... SPEC';

/** `imagespec build SPEC`: plan → build → push every missing image (all with --force), in build order. */
export const build: Command = {
  name: 'build',
  summary: 'build (and push) every image whose tag is missing from its registry',
  usage: [
    USAGE.replace('usage: ', 'Usage: '),
    '',
    'Checks each image of SPEC in its registry and builds the missing ones with docker buildx, parents',
    'first. Pushes when the image has a registry (unless --no-push); otherwise loads it into the local',
    'engine. Prints one line per image: REFERENCE@DIGEST, followed by (exists) for images not rebuilt.',
    '',
    'With --platform, builds one leg of a build spread over runners (see `imagespec plan --matrix`): the',
    '--image images (comma-separated) for that one platform, pushed as REPOSITORY:TAG-OS-ARCH for',
    '`imagespec merge`. A leg already pushed, or an image already merged, is not built again.',
    'The build log goes to stderr. See docs/build.md.',
    '',
    'Options:',
    '  --flavor generic|flyte   generic (default): a lean image; flyte: as flytekit builds it',
    '  --image NAME             only this image (its key in images:, or its name)',
    '  --push / --no-push       push to the registry (default when the image has one) or load locally',
    '  --force                  build every image, even those that exist',
    '  --platform P             build one leg: the --image images for platform P only',
    "  --platforms P,...        replace every image's platforms (and so its tag), as the plan did",
    "  --registry R             use R instead of the spec's registry",
    '  --insecure-registry HOST[:PORT]  reach this registry over plain HTTP, also from the docker-container',
    '                           builder created for the build (repeatable)',
    '  --buildkitd-config FILE  BuildKit configuration (buildkitd.toml) for the docker-container builder created',
    '                           for the build (CA files it names are copied in); its [registry."HOST"] ca files',
    '                           are also trusted by the registry checks',
    '  --cache gha|registry|local|none   build cache backend (default gha: needs the GitHub Actions runtime;',
    '                           falls back to none with a warning elsewhere)',
    '  --cache-dir DIR          directory for --cache local',
    '  --cache-prefix P         prefix of cache scopes (default imagespec-)',
    '  --builder NAME           buildx builder to use (default: the current one)',
    '  --network MODE           network for RUN steps: default, none or host (overrides builder_options)',
    '  --provenance min|max|false  provenance attestation (default min)',
    '  --sbom                   attach an SBOM attestation',
    '  --on-unknown fail|build|skip  when the registry cannot answer (default fail; build without a registry)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const {
      spec,
      flavor,
      values: v,
    } = parseSpecArgs('build', args, USAGE, {
      push: { type: 'boolean' },
      'no-push': { type: 'boolean' },
      force: { type: 'boolean' },
      cache: { type: 'string' },
      'cache-dir': { type: 'string' },
      'cache-prefix': { type: 'string' },
      builder: { type: 'string' },
      network: { type: 'string' },
      provenance: { type: 'string' },
      sbom: { type: 'boolean' },
      'on-unknown': { type: 'string' },
      platform: { type: 'string' },
      platforms: { type: 'string' },
      ...INSECURE_OPTION,
    });
    const cache = parseCacheBackend('build: --cache', v.cache);
    const provenance = parseProvenance('build: --provenance', v.provenance);
    if (v.push && v['no-push']) throw new UserError('build: give --push or --no-push, not both');
    const insecure = insecureRegistries('build', v);
    const buildkitd = await buildkitdOption(v, insecure);
    const onUnknown = parseOnUnknown('build: --on-unknown', v['on-unknown']);

    const platforms = platformsOption('build', v.platforms);
    const settings: RunSettings = {
      specPath: spec,
      flavor,
      ...(v.image ? { image: v.image } : {}),
      ...(v.registry ? { registry: v.registry } : {}),
      ...(platforms?.length ? { platforms } : {}),
      pushPolicy: async () => ({ push: !v['no-push'] }),
      buildWithoutPush: true,
      force: v.force === true,
      onUnknown,
      requirePublic: false,
      extraTags: [],
      build: {
        cache,
        ...(v['cache-dir'] ? { cacheDir: v['cache-dir'] } : {}),
        ...(v['cache-prefix'] ? { cachePrefix: v['cache-prefix'] } : {}),
        ...(v.builder ? { builder: v.builder } : {}),
        ...(v.network ? { network: v.network } : {}),
        provenance,
        ...(v.sbom ? { sbom: true } : {}),
        ...(buildkitd ? { buildkitdConfig: buildkitd.toml } : {}),
      },
      registryOptions: {
        ...(insecure.length > 0 ? { insecure } : {}),
        ...(buildkitd ? { ca: buildkitd.ca } : {}),
      },
      visibility: false,
      log: stderrLog,
    };
    let report;
    if (v.platform !== undefined) {
      // One leg of a build spread over runners (see `imagespec plan --matrix`).
      const images = (v.image ?? '')
        .split(',')
        .map((i) => i.trim())
        .filter(Boolean);
      if (images.length === 0)
        throw new UserError(`build: --platform builds one leg: give --image too; ${USAGE}`);
      report = await runLeg({ ...settings, images, platform: v.platform });
    } else {
      report = await run(settings);
    }
    for (const image of report.images) {
      const digest = image.digest ?? image.existence.digest;
      const note = image.planned.noop
        ? ' (noop)'
        : !image.built
          ? ' (exists)'
          : image.pushed
            ? ''
            : ' (loaded)';
      process.stdout.write(
        `${image.reference}${digest && !image.reference.includes('@') ? `@${digest}` : ''}${note}\n`,
      );
    }
    return 0;
  },
};
