import { planTags } from '../pipeline.js';
import { changesJson, changesText, diffRecords } from '../hash/changes.js';
import { explainText } from '../hash/index.js';
import { RECORD_LABEL, explainRecordWithSums, parseRecord } from '../hash/record.js';
import { UserError, errorMessage } from '../errors.js';
import type { PlannedImage } from '../spec/types.js';
import { INSECURE_OPTION, buildkitdOption, insecureRegistries, parseSpecArgs } from './args.js';
import type { Command } from './command.js';

const USAGE =
  'usage: imagespec explain [--flavor generic|flyte] [--image NAME] [--registry R] [--against REFERENCE [--json] [--insecure-registry HOST]...] SPEC';

/** `explain --against REFERENCE`: the hash inputs that differ from the record the image REFERENCE carries. */
async function against(
  planned: PlannedImage[],
  reference: string,
  opts: { json: boolean; insecure: string[]; ca?: Record<string, string[]> },
): Promise<number> {
  if (planned.length !== 1) {
    const ids = planned.map((p) => p.spec.id).join(', ');
    throw new UserError(`explain --against compares one image; choose it with --image (one of: ${ids})`);
  }
  const image = planned[0]!;
  // Registry code loads only for --against, so plain `explain` stays as quick as `tag`.
  const [{ RegistryClient }, { LabelsUnavailable, readLabels }] = await Promise.all([
    import('../registry/client.js'),
    import('../registry/labels.js'),
  ]);
  const client = new RegistryClient({
    ...(opts.insecure.length > 0 ? { insecure: opts.insecure } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
  });
  let labels: Record<string, string>;
  try {
    labels = await readLabels(client, reference, image.platforms[0]);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const why = err instanceof LabelsUnavailable ? err.message : errorMessage(err);
    throw new UserError(`explain --against ${reference}: ${why}`);
  }
  const previous = parseRecord(labels[RECORD_LABEL]);
  if (!previous) {
    if (opts.json) process.stdout.write('null\n');
    else {
      process.stdout.write(
        `${image.spec.id}: first build: ${reference} carries no explain record (label ${RECORD_LABEL}); it was not built by imagespec, or by a version before records\n`,
      );
    }
    return 0;
  }
  const changes = diffRecords(previous, await explainRecordWithSums(image));
  if (opts.json) {
    process.stdout.write(`${changesJson(changes)}\n`);
    return 0;
  }
  const out = [`${image.spec.id}: ${previous.reference || reference} → ${image.reference}`];
  if (changes.length === 0) out.push('  no differences in the hash inputs');
  for (const line of changesText(changes)) out.push(`  ${line}`);
  if (previous.truncated)
    out.push('  (the earlier record was shortened to fit in a label: long values compare by digest)');
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** `imagespec explain SPEC`: every input of each image's hash, and the resulting tag. */
export const explain: Command = {
  name: 'explain',
  summary: 'list every input of each image tag, or what changed since an image built earlier (--against)',
  usage: [
    USAGE.replace('usage: ', 'Usage: '),
    '',
    'For each image of SPEC, lists every hash input in hashing order: field values as hashed, file',
    'digests with the files behind them, excluded fields and why, the salt, the base image and the tag.',
    '',
    'With --against REFERENCE, reads the explain record that an image built by imagespec carries (the',
    `label ${RECORD_LABEL}) from its registry and prints the hash inputs that differ, one line per field.`,
    'Exits 0 whether or not there are differences; says "first build" when the image carries no record.',
    '',
    'Options:',
    '  --flavor generic|flyte  generic (default) or flyte: flyte tags equal the ones flytekit computes',
    '  --image NAME            explain only this image (its key in images:, or its name)',
    "  --registry R            use R instead of the spec's registry",
    '  --against REFERENCE     compare with the record of this image (registry/name:tag or @digest)',
    '  --json                  with --against: a JSON list of {field, before, after} (null: no record)',
    '  --insecure-registry HOST[:PORT]  reach this registry over plain HTTP (repeatable)',
  ].join('\n'),
  async run(args: string[]): Promise<number> {
    const { spec, flavor, values } = parseSpecArgs('explain', args, USAGE, {
      against: { type: 'string' },
      json: { type: 'boolean' },
      ...INSECURE_OPTION,
    });
    const v = values as { image?: string; registry?: string; against?: string; json?: boolean };
    if (v.json && v.against === undefined) throw new UserError(`explain: --json needs --against; ${USAGE}`);
    if (v.against === '') throw new UserError(`explain: --against needs an image reference; ${USAGE}`);
    const selected = await planTags(spec, {
      flavor,
      mode: 'hash',
      ...(v.image !== undefined ? { image: v.image } : {}),
      ...(v.registry ? { registry: v.registry } : {}),
    });
    if (v.against !== undefined) {
      const insecure = insecureRegistries('explain', values as { 'insecure-registry'?: string[] });
      const buildkitd = await buildkitdOption(values as { 'buildkitd-config'?: string }, insecure);
      return against(selected, v.against, {
        json: v.json === true,
        insecure,
        ...(buildkitd ? { ca: buildkitd.ca } : {}),
      });
    }
    process.stdout.write(explainText(selected));
    return 0;
  },
};
