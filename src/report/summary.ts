import { changesMarkdown } from '../hash/changes.js';
import { reasonLine } from '../records/index.js';
import type { Diagnostic } from '../spec/types.js';
import { mdCell, mdCode } from '../util/markdown.js';
import type { ImageReport, RunReport } from './types.js';

function code(text: string): string {
  return text ? mdCode(text) : '';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function visibilityCell(image: ImageReport): string {
  if (image.visibility !== 'public' && image.settingsUrl) {
    return `${image.visibility} ([settings](${image.settingsUrl}))`;
  }
  return image.visibility;
}

/**
 * The job summary as Markdown: one row per image, then per image its hash inputs folded under <details>.
 * `explain` renders an image's hash inputs (the same table `imagespec explain` prints).
 */
export function summaryMarkdown(report: RunReport, explain: (image: ImageReport) => string): string {
  return ['## imagespec', '', imagesMarkdown(report, explain)].join('\n');
}

/** Notes, the table of images, warnings and hash inputs: the body of the job summary. */
function imagesMarkdown(report: RunReport, explain: (image: ImageReport) => string): string {
  const lines: string[] = [];
  for (const note of report.notes) lines.push(`> ${note}`, '');
  lines.push(
    '| image | tag | result | digest | platforms | visibility | cache | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const image of report.images) {
    const result = `${image.built ? (image.pushed ? 'built, pushed' : 'built') : 'skipped'}: ${mdCell(image.reason)}`;
    lines.push(
      `| ${code(image.repository)} | ${code(image.tag)} | ${result} | ${code(image.digest ?? image.existence.digest ?? '')} | ${mdCell(image.platforms.join(', '))} | ${visibilityCell(image)} | ${mdCell(image.cache ?? '')} | ${seconds(image.durationMs)} |`,
    );
  }
  lines.push('');
  for (const image of report.images) {
    if (image.extraTags.length === 0) continue;
    lines.push(`- ${code(image.id)} also tagged: ${image.extraTags.map(code).join(', ')}`);
  }
  for (const image of report.images) {
    for (const warning of image.warnings) lines.push(`- ⚠️ ${code(image.id)}: ${mdCell(warning)}`);
  }
  for (const image of report.images) {
    if (image.changes === undefined) continue;
    lines.push('', `### Why ${code(image.id)} was rebuilt`, '');
    if (image.changes === null || image.changes.length === 0) lines.push(mdCell(reasonLine(image.changes)));
    else lines.push(...changesMarkdown(image.changes));
  }
  for (const image of report.images) {
    lines.push(
      '',
      `<details><summary>Hash inputs of <code>${image.reference.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</code></summary>`,
      '',
    );
    lines.push(explain(image), '', '</details>');
  }
  lines.push('');
  return lines.join('\n');
}

/** The job summary of a run stopped by problems in the spec file: each with its place and the fix. */
export function problemsMarkdown(diagnostics: readonly Diagnostic[]): string {
  const lines = [
    '## imagespec',
    '',
    `The spec file has ${diagnostics.length} problem(s); nothing was built or pushed.`,
    '',
  ];
  for (const d of diagnostics) lines.push(`- ${code(`${d.file}:${d.line}:${d.col}`)} ${mdCell(d.message)}`);
  lines.push('');
  return lines.join('\n');
}

/** A fenced block that shows `text` as is, whatever backticks it holds. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * The job summary of a run that failed after the spec was read (a build failed, a registry answer was
 * unknown, docker is missing, ...): what failed, then the images as far as the run got when a report exists.
 */
export function failureMarkdown(
  message: string,
  report?: RunReport,
  explain: (image: ImageReport) => string = () => '',
): string {
  const lines = ['## imagespec', '', '**The run failed:**', '', fenced(message), ''];
  if (report && report.images.length > 0) lines.push(imagesMarkdown(report, explain));
  else lines.push('No image report was made; see the step log for details.', '');
  return lines.join('\n');
}
