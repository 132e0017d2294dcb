/**
 * Renders what went into each image's tag: `imagespec explain` prints the text form, the job summary the
 * markdown form. Both read only the planned images.
 */
import type { Flavor, HashInput, PlannedImage } from '../spec/types.js';
import { mdCode, mdText } from '../util/markdown.js';

/** What a replaced value is, per field and flavor. */
function describe(input: HashInput, flavor: Flavor): string | undefined {
  if (input.note) return input.note;
  if (input.status !== 'replaced') return undefined;
  switch (input.field) {
    case 'requirements':
      return "SHA-1 of the file's bytes, surrounding whitespace stripped";
    case 'copy':
      return flavor === 'flyte'
        ? "MD5 of each file's bytes and name (flytekit's compute_digest)"
        : "SHA-256 of each file's path, size and bytes";
    case 'source_root':
      return flavor === 'flyte'
        ? "MD5 of every file not ignored, sorted, bytes then path (flytekit's ls_files)"
        : 'SHA-256 of every file not ignored, sorted, path, size and bytes';
    case 'base_image':
      return 'full reference of the image of this file that it builds on';
    case 'dockerfile':
      return "SHA-256 of the Dockerfile's bytes";
    case 'build_context':
      return 'SHA-256 of the build context as a build sends it (.dockerignore applied)';
    default:
      return undefined;
  }
}

function summaryLine(p: PlannedImage): string {
  return `${p.spec.id} (flavor ${p.flavor})`;
}

/** Plain-text explanation, one block per image, inputs in hashing order. */
export function explainText(planned: readonly PlannedImage[]): string {
  const out: string[] = [];
  for (const p of planned) {
    out.push(`image ${summaryLine(p)}`);
    out.push(`  reference: ${p.reference}`);
    if (p.noop) out.push('  builder:   noop: the image is base_image as it is; nothing is built or pushed');
    out.push(`  base:      ${p.baseReference ?? '(flavor default)'}`);
    out.push(`  platforms: ${p.platforms.join(', ')}`);
    out.push('  inputs, in hashing order:');
    const width = Math.max(...p.inputs.map((i) => i.field.length));
    for (const input of p.inputs) {
      const head = `    ${input.field.padEnd(width)}  `;
      if (input.status === 'excluded') out.push(`${head}excluded: ${input.value}`);
      else {
        const what = describe(input, p.flavor);
        out.push(`${head}${input.value}${what ? `  (${what})` : ''}`);
      }
      for (const f of input.files ?? []) out.push(`${' '.repeat(width + 8)}${f}`);
      if (input.files?.length === 0) out.push(`${' '.repeat(width + 8)}(no files)`);
    }
    out.push(`  spec hash: ${p.specHash}`);
    out.push(`  tag:       ${p.tag}`);
    out.push('');
  }
  return out.join('\n');
}

/** Files listed in the summary per input before the rest is counted. */
export const MARKDOWN_FILE_LIMIT = 100;

/** Markdown explanation for the job summary: one section and table per image. */
export function explainMarkdown(planned: readonly PlannedImage[]): string {
  const out: string[] = [];
  for (const p of planned) {
    out.push(`### ${mdText(p.spec.id)}: ${mdCode(p.reference)}`, '');
    out.push(
      `Flavor \`${p.flavor}\`, base ${p.baseReference ? mdCode(p.baseReference) : 'the flavor default'}, platforms ${p.platforms.map(mdCode).join(', ')}.`,
      '',
    );
    if (p.noop)
      out.push('`builder: noop`: the image is `base_image` as it is; nothing is built or pushed.', '');
    out.push('| field | as hashed | note |', '| --- | --- | --- |');
    for (const input of p.inputs) {
      const value = input.status === 'excluded' ? '*excluded*' : mdCode(input.value);
      const note =
        input.status === 'excluded' ? mdText(input.value) : mdText(describe(input, p.flavor) ?? '');
      out.push(`| ${mdCode(input.field)} | ${value} | ${note} |`);
    }
    out.push('');
    out.push(`Spec hash ${mdCode(p.specHash)}, tag ${mdCode(p.tag)}.`, '');
    for (const input of p.inputs) {
      if (!input.files) continue;
      const shown = input.files.slice(0, MARKDOWN_FILE_LIMIT);
      out.push(
        `<details><summary>${mdText(input.field)}: ${input.files.length} file${input.files.length === 1 ? '' : 's'}</summary>`,
        '',
      );
      for (const f of shown) out.push(`- ${mdCode(f)}`);
      if (input.files.length > shown.length) out.push(`- … and ${input.files.length - shown.length} more`);
      out.push('', '</details>', '');
    }
  }
  return out.join('\n');
}
