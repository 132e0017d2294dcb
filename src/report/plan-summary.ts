import type { MatrixPlan } from '../distribute/matrix.js';
import { mdCell, mdCode } from '../util/markdown.js';

const STATE: Record<MatrixPlan['images'][number]['state'], string> = {
  exists: 'exists',
  build: 'to build',
  merge: 'legs pushed; to merge',
};

/** The job summary of `mode: plan`: per image its layer, what is built where, and what is already there. */
export function planMarkdown(plan: MatrixPlan): string {
  const lines = [
    '## imagespec plan',
    '',
    `${plan.legs} leg(s) to build in ${plan.layers.filter((l) => l.include.length > 0).length} layer(s).`,
    '',
    '| layer | image | state | build | already pushed |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const image of plan.images) {
    lines.push(
      `| ${image.layer} | ${mdCode(image.reference)} | ${STATE[image.state]} | ${mdCell(image.build.join(', '))} | ${mdCell(image.present.join(', '))} |`,
    );
  }
  lines.push('');
  for (const w of plan.warnings) lines.push(`- ⚠️ ${mdCell(w)}`);
  lines.push('');
  return lines.join('\n');
}
