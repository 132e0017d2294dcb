import { changesJson } from '../hash/changes.js';
import type { ImageReport } from './types.js';

/** The `changes` output: `[{field, before, after}]`; `null` for a first build; `[]` when not rebuilt. */
function changesOutput(image: ImageReport): string {
  if (image.changes === null) return 'null';
  return changesJson(image.changes ?? []);
}

/** The action outputs of one image, as strings (what `steps.<id>.outputs` carries). */
export function imageOutputs(image: ImageReport): Record<string, string> {
  const digest = image.digest ?? image.existence.digest ?? '';
  return {
    image: image.reference,
    tag: image.tag,
    digest,
    'image-digest': digest ? `${image.repository}@${digest}` : '',
    built: String(image.built),
    existed: String(image.existed),
    visibility: image.visibility,
    public: String(image.visibility === 'public'),
    'spec-hash': image.specHash,
    'extra-tags': image.extraTags.join('\n'),
    changes: changesOutput(image),
  };
}

/**
 * All outputs: the last image in build order at the top level, `metadata` as its JSON, `images` for all.
 * `built` is true when any image was built, so `if: steps.x.outputs.built == 'true'` reacts to every change.
 */
export function actionOutputs(images: ImageReport[]): Record<string, string> {
  const last = images.at(-1);
  if (!last) return { built: 'false', images: '[]' };
  const each = images.map((image) => {
    const { changes, 'extra-tags': _extra, ...outputs } = imageOutputs(image);
    return {
      id: image.id,
      ...outputs,
      'extra-tags': image.extraTags,
      platforms: image.platforms,
      ...(image.platformDigests ? { 'platform-digests': image.platformDigests } : {}),
      changes: JSON.parse(changes!) as unknown,
    };
  });
  const top = imageOutputs(last);
  return {
    ...top,
    built: String(images.some((image) => image.built)),
    metadata: JSON.stringify(each.at(-1)),
    images: JSON.stringify(each),
  };
}
