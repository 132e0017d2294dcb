/** Build order of a file's images: parents (base_image references to sibling images) before children. */
import type { Diagnostic, ImageSpec } from './types.js';

/**
 * Topological order by `base_image_of`, stable with respect to file order.
 * A cycle is reported once, at the `base_image` of each image on it, with the cycle printed.
 */
export function orderImages(images: ImageSpec[]): { ordered: ImageSpec[]; diagnostics: Diagnostic[] } {
  const byId = new Map(images.map((i) => [i.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: ImageSpec[] = [];
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();

  const visit = (img: ImageSpec, stack: ImageSpec[]): void => {
    const s = state.get(img.id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = stack.slice(stack.indexOf(img));
      const key = cycle
        .map((c) => c.id)
        .sort()
        .join('\u0000');
      if (reported.has(key)) return;
      reported.add(key);
      const printed = [...cycle, img].map((c) => c.id).join(' -> ');
      for (const member of cycle) {
        const at = member.pos('base_image');
        diagnostics.push({
          file: at.file,
          line: at.line,
          col: at.col,
          path: `images.${member.id}.base_image`,
          message: `images build on each other in a cycle: ${printed}; make one of them start from a registry image`,
        });
      }
      return;
    }
    state.set(img.id, 'visiting');
    const parent = img.base_image_of === undefined ? undefined : byId.get(img.base_image_of);
    if (parent) visit(parent, [...stack, img]);
    state.set(img.id, 'done');
    ordered.push(img);
  };
  for (const img of images) visit(img, []);
  diagnostics.sort((a, b) => a.line - b.line || a.col - b.col);
  return { ordered, diagnostics };
}
