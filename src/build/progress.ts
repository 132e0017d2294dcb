/**
 * Reads buildx `--progress=plain` output: which steps ran or came from cache, whether a cache export ran
 * and finished, and on failure which step failed with its last lines.
 */

export interface Vertex {
  id: number;
  name: string;
  cached: boolean;
  done: boolean;
  error?: string;
  lines: string[];
}

export interface ProgressSummary {
  vertices: Vertex[];
  /** Build steps (`[stage n/m] ...`) and how many were answered from cache. */
  steps: number;
  cachedSteps: number;
  /** Steps that use a BuildKit cache mount (`RUN --mount=type=cache`), and how many of them really ran. */
  mountSteps: number;
  mountStepsRun: number;
  /** The cache export vertex, when one ran. */
  cacheExport?: Vertex;
  failed?: Vertex;
}

/** Lines BuildKit prints while it downloads or unpacks a layer (no command output). */
const LAYER_TRANSFER =
  /^(extracting )?sha256:[0-9a-f]{64}( [\d.]+[kMG]?B \/ [\d.]+[kMG]?B)?( [\d.]+s)?( done)?$/;

/**
 * A step answered from an imported (remote) cache shows no `CACHED` line: BuildKit only downloads its layer.
 * It counts as cached when all it printed was layer transfer. FROM steps pull their base, which is not a cache hit.
 */
function fromCache(v: Vertex): boolean {
  if (v.cached) return true;
  if (/\] FROM /.test(v.name) || v.error !== undefined) return false;
  return v.lines.length > 0 && v.lines.every((line) => LAYER_TRANSFER.test(line));
}

/** A step whose instruction mounts a cache (`--mount=type=cache,...` or `--mount=id=x,type=cache`). */
const CACHE_MOUNT = /\s--mount=(?:[^\s,]+,)*type=cache\b/;

const CACHE_EXPORT = /^(exporting to GitHub Actions Cache|exporting cache to|exporting cache)/;

export class ProgressParser {
  private readonly byId = new Map<number, Vertex>();

  push(line: string): void {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (!m) return;
    const id = Number(m[1]);
    const rest = m[2]!;
    let v = this.byId.get(id);
    if (!v) {
      v = { id, name: rest, cached: false, done: false, lines: [] };
      this.byId.set(id, v);
      return;
    }
    if (rest === 'CACHED') v.cached = true;
    else if (/^DONE\b/.test(rest)) v.done = true;
    else if (rest.startsWith('ERROR')) v.error = rest.replace(/^ERROR:?\s*/, '');
    else if (rest !== v.name) {
      v.lines.push(rest.replace(/^\d+(\.\d+)? /, ''));
      if (v.lines.length > 200) v.lines.shift();
    }
  }

  summary(): ProgressSummary {
    const vertices = [...this.byId.values()];
    const steps = vertices.filter((v) => /^\[[^\]]*\d+\/\d+\]/.test(v.name));
    const mountSteps = steps.filter((v) => CACHE_MOUNT.test(v.name));
    const cacheExport = vertices.find((v) => CACHE_EXPORT.test(v.name));
    const failed = vertices.find((v) => v.error !== undefined && !CACHE_EXPORT.test(v.name));
    return {
      vertices,
      steps: steps.length,
      cachedSteps: steps.filter(fromCache).length,
      mountSteps: mountSteps.length,
      mountStepsRun: mountSteps.filter((v) => !fromCache(v)).length,
      ...(cacheExport ? { cacheExport } : {}),
      ...(failed ? { failed } : {}),
    };
  }
}
