/**
 * The file filter flytekit applies to `source_root` before digesting it (`flytekit.tools.ignore`:
 * `IgnoreGroup(root, [GitIgnore, DockerIgnore, StandardIgnore])`), reproduced with its exact semantics so
 * the flyte-flavor tag matches flytekit's:
 *
 * - GitIgnore: the set printed by `git ls-files -io --exclude-standard` run in the root (no filter when git
 *   is missing or the root is not in a work tree), compared with `pathlib.Path(path).as_posix()`.
 * - DockerIgnore: docker-py's `PatternMatcher` (its own `fnmatch` dialect: case-insensitive, `*` and `?`
 *   stop at `/`, `**` spans directories, a pattern also matches a file's leading directories) over the
 *   lines of `<root>/.dockerignore`. This is not Docker's own matcher (that one is `@balena/dockerignore`,
 *   used for Dockerfile build contexts), so it is ported here rather than taken from a library.
 * - StandardIgnore: Python `fnmatch` (where `*` crosses `/`) against flytekit's fixed patterns.
 *
 * flytekit passes each file to the filter as `os.walk` built it: joined onto `source_root` as written,
 * and made relative to the root only when that is absolute. With a relative root the paths keep its prefix
 * (`./pkg/a.py`, `src/pkg/a.py`), which changes what matches; `walkPath` reproduces that.
 */
import { execFile } from 'node:child_process';
import { UserError } from '../errors.js';
import { LIMITS, readLimited } from '../spec/limits.js';
import path from 'node:path';

/** flytekit's `STANDARD_IGNORE_PATTERNS`. */
export const STANDARD_IGNORE_PATTERNS = ['*.pyc', '.cache', '.cache/*', '__pycache__/*', '**/__pycache__/*'];

const PY_SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');
/** Python's `str.strip()` (JavaScript's `trim` also strips U+FEFF and keeps U+001C-U+001F and U+0085). */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Python's `fnmatch.translate` for patterns made of literals, `*` and `?` (all flytekit's fixed patterns use). */
function pyFnmatchRegExp(pattern: string): RegExp {
  let re = '';
  for (const c of pattern) re += c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : escapeRegExp(c);
  return new RegExp(`^(?:${re})$`, 'u');
}

/** docker-py's `docker.utils.fnmatch.translate`, as a JavaScript RegExp source. */
export function dockerPyTranslate(pat: string): string {
  let i = 0;
  const n = pat.length;
  let res = '^';
  while (i < n) {
    const c = pat[i++]!;
    if (c === '*') {
      if (i < n && pat[i] === '*') {
        i++;
        if (i < n && pat[i] === '/') i++;
        res += i >= n ? '[^\\n]*' : '(?:[^\\n]*/)?';
      } else res += '[^/]*';
    } else if (c === '?') res += '[^/]';
    else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) res += '\\[';
      else {
        let stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff[0] === '!') stuff = `^${stuff.slice(1)}`;
        else if (stuff[0] === '^') stuff = `\\${stuff}`;
        // Python puts `]` first in a class literally; JavaScript needs it escaped.
        stuff = stuff.replace(/^(\^?)\]/, '$1\\]').replace(/\[/g, '\\[');
        res += `[${stuff}]`;
      }
    } else res += escapeRegExp(c);
  }
  // Python's `$` also matches before a final newline.
  return `${res}\\n?$`;
}

function splitPath(p: string): string[] {
  return p.split('/').filter((pt) => pt !== '' && pt !== '.');
}

/** `posixpath.dirname`. */
function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

interface DockerPyPattern {
  exclusion: boolean;
  dirs: string[];
  re: RegExp;
}

function dockerPyPattern(text: string): DockerPyPattern {
  let p = text;
  let exclusion = false;
  if (p.startsWith('!')) {
    exclusion = true;
    p = p.slice(1);
  }
  const split = splitPath(pyStrip(p));
  for (let i = 0; i < split.length;) {
    if (split[i] === '..') {
      split.splice(i, 1);
      if (i > 0) {
        split.splice(i - 1, 1);
        i--;
      }
    } else i++;
  }
  return { exclusion, dirs: split, re: new RegExp(dockerPyTranslate(split.join('/').toLowerCase())) };
}

/** docker-py's `PatternMatcher`. */
export class DockerPyPatternMatcher {
  private readonly patterns: DockerPyPattern[];
  constructor(patterns: string[]) {
    this.patterns = patterns.map(dockerPyPattern).filter((p) => p.dirs.length > 0);
    this.patterns.push(dockerPyPattern('!.dockerignore'));
  }
  matches(filepath: string): boolean {
    let matched = false;
    const parent = pyDirname(filepath);
    const parentDirs = splitPath(parent);
    const lower = filepath.toLowerCase();
    for (const pattern of this.patterns) {
      let match = pattern.re.test(lower);
      if (!match && parent !== '' && pattern.dirs.length <= parentDirs.length) {
        match = pattern.re.test(parentDirs.slice(0, pattern.dirs.length).join('/').toLowerCase());
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

/** `pathlib.PurePosixPath(p).as_posix()`. */
export function pathlibPosix(p: string): string {
  const lead = p.startsWith('//') && !p.startsWith('///') ? '//' : p.startsWith('/') ? '/' : '';
  const body = splitPath(p).join('/');
  return lead + body || '.';
}

/** `os.path.join(a, b)` for a relative `b`. */
export function pyJoin(a: string, b: string): string {
  return a === '' || a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** Lines of `.dockerignore` as flytekit reads them: `[l.strip() for l in f.readlines() if not l.startswith('#')]`. */
export function flytekitIgnoreLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').match(/[^\n]*\n|[^\n]+$/g) ?? [];
  return lines.filter((l) => !l.startsWith('#')).map(pyStrip);
}

async function gitIgnored(rootAbs: string): Promise<Set<string>> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-files', '-io', '--exclude-standard'],
      { cwd: rootAbs, encoding: 'buffer', maxBuffer: 1 << 30 },
      (err, stdout) => {
        if (err) return resolve(new Set()); // no git, or not a work tree: flytekit applies no filter
        const lines = stdout.toString('utf8').split('\n');
        lines.pop();
        resolve(new Set(lines));
      },
    );
  });
}

/** Why a file was left out, or undefined when it is kept. */
export type IgnoreVerdict = 'git' | '.dockerignore' | 'standard' | undefined;

export class FlytekitIgnoreGroup {
  private constructor(
    private readonly rootAsWritten: string,
    private readonly git: Set<string>,
    private readonly docker: DockerPyPatternMatcher,
    private readonly standard: RegExp[],
  ) {}

  /** `rootAbs` is read; `rootAsWritten` (the spec's text) shapes the paths the matchers see, as in flytekit. */
  static async create(rootAbs: string, rootAsWritten: string): Promise<FlytekitIgnoreGroup> {
    const dockerignore = await readLimited(
      path.join(rootAbs, '.dockerignore'),
      LIMITS.ignoreBytes,
      'ignore file',
    ).then(
      (b) => b.toString('utf8'),
      (err: unknown) => {
        if (err instanceof UserError) throw err;
        return '';
      },
    );
    return new FlytekitIgnoreGroup(
      rootAsWritten,
      await gitIgnored(rootAbs),
      new DockerPyPatternMatcher(flytekitIgnoreLines(dockerignore)),
      STANDARD_IGNORE_PATTERNS.map(pyFnmatchRegExp),
    );
  }

  /** The path flytekit hands to `is_ignored` for a file at `rel` (relative to the root, `/`-separated). */
  walkPath(rel: string): string {
    return path.isAbsolute(this.rootAsWritten) ? pathlibPosix(rel) : pyJoin(this.rootAsWritten, rel);
  }

  verdict(rel: string): IgnoreVerdict {
    const p = this.walkPath(rel);
    if (this.git.size > 0 && this.git.has(pathlibPosix(p))) return 'git';
    if (this.docker.matches(p)) return '.dockerignore';
    if (this.standard.some((re) => re.test(p))) return 'standard';
    return undefined;
  }
}
