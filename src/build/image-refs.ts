/**
 * The images a Dockerfile pulls: every `FROM` (any case, flags such as `--platform=` skipped), every
 * `COPY --from=` and `RUN --mount=...,from=` that names an image rather than a stage. The build stage logs in
 * to each of their registries. Written by hand because no maintained JavaScript Dockerfile parser follows
 * BuildKit's rules for stage names; this reads only the few instructions that reference images.
 */

/** Logical lines: comments dropped, backslash continuations joined. */
function logicalLines(dockerfile: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of dockerfile.split(/\r?\n/)) {
    if (/^\s*#/.test(raw)) continue;
    if (/\\\s*$/.test(raw)) {
      current += `${raw.replace(/\\\s*$/, '')} `;
      continue;
    }
    current += raw;
    if (current.trim()) out.push(current.trim());
    current = '';
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Whether a reference can be resolved without build arguments (no `$VAR`) and is an image at all. */
function isImage(ref: string): boolean {
  return ref !== '' && !ref.includes('$') && ref.toLowerCase() !== 'scratch';
}

/**
 * Image references of a Dockerfile, in order of appearance, without duplicates. Stage names (`FROM x AS
 * name`), stage numbers (`--from=0`) and references that need an `ARG` (`FROM $BASE`) are left out.
 */
export function dockerfileImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const candidates: string[] = [];
  for (const line of logicalLines(dockerfile)) {
    const [instruction = '', ...words] = line.split(/\s+/);
    const keyword = instruction.toUpperCase();
    if (keyword === 'FROM') {
      const plain = words.filter((w) => !w.startsWith('--'));
      const ref = plain[0] ?? '';
      // `FROM base AS build` where `base` is an earlier stage is not an image.
      if (!stages.has(ref.toLowerCase())) candidates.push(ref);
      if (plain[1]?.toLowerCase() === 'as' && plain[2]) stages.add(plain[2].toLowerCase());
    } else if (keyword === 'COPY') {
      for (const w of words) {
        const m = /^--from=(.+)$/i.exec(w);
        if (m) candidates.push(m[1]!);
      }
    } else if (keyword === 'RUN') {
      for (const w of words) {
        if (!/^--mount=/i.test(w)) continue;
        for (const opt of w.slice('--mount='.length).split(',')) {
          const m = /^from=(.+)$/i.exec(opt);
          if (m) candidates.push(m[1]!);
        }
      }
    }
  }
  const refs = candidates
    .map((r) => r.replace(/^["']|["']$/g, ''))
    .filter((r) => isImage(r) && !/^\d+$/.test(r) && !stages.has(r.toLowerCase()));
  return [...new Set(refs)];
}
