/**
 * Reading a spec file: YAML 1.1 as PyYAML's `safe_load` reads it, keeping the source position of
 * every node so that any field path maps back to FILE:LINE:COL.
 *
 * The `yaml` package parses (syntax, anchors, aliases, positions); values are constructed here with
 * PyYAML's resolver and constructor rules (see yaml11.ts), including merge keys (`<<`).
 * Duplicate keys in one mapping are an error: PyYAML silently keeps the last value, which hides mistakes.
 */
import { stat } from 'node:fs/promises';
import {
  Alias,
  CST,
  Lexer,
  LineCounter,
  Pair,
  Scalar,
  YAMLMap,
  YAMLSeq,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';
import { excerpt } from './excerpt.js';
import { LIMITS, formatBytes } from './limits.js';
import { FileTooLarge, NotRegularFile, readBounded } from '../util/bounded-read.js';
import type { Diagnostic, PyDict, PyValue, SourcePos } from './types.js';
import {
  ConstructError,
  TAG_MERGE,
  TAG_STR,
  TAG_VALUE,
  tagProblem,
  constructScalar,
  displayValue,
  resolvePlain,
} from './yaml11.js';

/** What is known about one node of the document. */
export interface NodeInfo {
  /** Position of the value. */
  pos: SourcePos;
  /** Position of the mapping key that holds this value, and the key as written, if any. */
  keyPos?: SourcePos;
  keyText?: string;
  /** For scalars: the text as written (after YAML folding), and whether it was quoted or tagged. */
  text?: string;
  plain?: boolean;
}

/** A parsed spec file: the value PyYAML would return and the position of every field path. */
export interface SpecDocument {
  file: string;
  value: PyValue;
  /** Field path (`packages[1]`, `env.HOME`, `images.app.name`) → node. `''` is the document itself. */
  nodes: Map<string, NodeInfo>;
}

/** Append a key to a field path: `a.b` for simple keys, `a["x y"]` otherwise. */
export function childPath(parent: string, key: PyValue | number): string {
  if (typeof key === 'number' && Number.isInteger(key)) return `${parent}[${key}]`;
  if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key))
    return parent ? `${parent}.${key}` : key;
  const k = typeof key === 'string' ? JSON.stringify(key) : displayValue(key as PyValue);
  return `${parent}[${k}]`;
}

/** A key identity with Python's dict semantics (`1`, `1.0` and `True` are the same key). */
function keyIdentity(key: PyValue): string | undefined {
  if (key === null) return 'None';
  if (typeof key === 'boolean') return `n:${key ? 1 : 0}`;
  if (typeof key === 'bigint') return `n:${key}`;
  if (typeof key === 'number') return Number.isInteger(key) ? `n:${BigInt(key)}` : `f:${key}`;
  if (typeof key === 'string') return `s:${key}`;
  if (Array.isArray(key) || key.type === 'dict') return undefined;
  return `t:${displayValue(key)}`;
}

/** Builds the Python values PyYAML's safe_load returns from YAML nodes, recording where each node is. */
/** Building stopped: the document expands to more values than {@link LIMITS.specValues}. */
class TooManyValues extends Error {
  constructor(readonly at: SourcePos) {
    super('too many values');
  }
}

class PyValueBuilder {
  readonly nodes = new Map<string, NodeInfo>();
  readonly diagnostics: Diagnostic[] = [];
  /** Values built so far, aliases and merged pairs counted each time they are copied. */
  private values = 0;

  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  pos(offset: number | undefined): SourcePos {
    const { line, col } = this.lines.linePos(offset ?? 0);
    return { file: this.file, line, col };
  }

  error(at: SourcePos, path: string, message: string): void {
    this.diagnostics.push({ file: at.file, line: at.line, col: at.col, path, message });
  }

  deref(node: unknown, path: string, depth = 0): Node | null {
    if (node instanceof Alias) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.error(
          this.pos(node.range?.[0]),
          path,
          `unknown alias *${node.source}; define the anchor &${node.source} first`,
        );
        return null;
      }
      if (depth > 100) return null;
      return this.deref(target, path, depth + 1);
    }
    return (node as Node | null) ?? null;
  }

  /** Where the outermost alias being copied out is used: the place to report an expansion that is too large. */
  private aliasAt: number | undefined;

  /** Counts one more value; past the limit, building stops (an alias bomb must not expand). */
  private tick(offset: number | undefined): void {
    if (++this.values > LIMITS.specValues) throw new TooManyValues(this.pos(this.aliasAt ?? offset));
  }

  /** Build the Python value of `node` at `path`; `at` is where the reference to it appears. */
  build(raw: unknown, path: string, keyPos?: SourcePos, stack: Set<Node> = new Set()): PyValue {
    if (!(raw instanceof Alias) || this.aliasAt !== undefined)
      return this.buildNode(raw, path, keyPos, stack);
    this.aliasAt = raw.range?.[0];
    try {
      return this.buildNode(raw, path, keyPos, stack);
    } finally {
      this.aliasAt = undefined;
    }
  }

  private buildNode(raw: unknown, path: string, keyPos: SourcePos | undefined, stack: Set<Node>): PyValue {
    this.tick((raw as Node | null)?.range?.[0]);
    const at = this.pos((raw as Node | null)?.range?.[0]);
    const node = this.deref(raw, path);
    if (node === null) {
      this.nodes.set(path, { pos: at, keyPos, text: '', plain: true });
      return null;
    }
    if (stack.has(node)) {
      this.error(at, path, 'recursive alias: a node cannot contain itself');
      return null;
    }
    if (node instanceof Scalar) return this.scalar(node, path, at, keyPos);
    stack.add(node);
    try {
      if (node instanceof YAMLSeq) {
        this.checkCollectionTag(node, 'tag:yaml.org,2002:seq', path, at);
        this.nodes.set(path, { pos: at, keyPos });
        return node.items.map((item, i) => this.build(item, childPath(path, i), undefined, stack));
      }
      if (node instanceof YAMLMap) {
        this.checkCollectionTag(node, 'tag:yaml.org,2002:map', path, at);
        this.nodes.set(path, { pos: at, keyPos });
        return this.mapping(node, path, stack);
      }
    } finally {
      stack.delete(node);
    }
    this.error(at, path, 'unsupported YAML node');
    return null;
  }

  private checkCollectionTag(node: YAMLMap | YAMLSeq, expected: string, path: string, at: SourcePos): void {
    if (node.tag && node.tag !== expected && node.tag !== '!') {
      const message =
        tagProblem(node.tag) ?? `PyYAML's safe_load cannot load a value tagged ${node.tag}; remove the tag`;
      this.error(at, path, message);
    }
  }

  private scalar(node: Scalar, path: string, at: SourcePos, keyPos?: SourcePos): PyValue {
    const text = typeof node.value === 'string' ? node.value : String(node.value ?? '');
    const plain = node.type === 'PLAIN' || node.type === undefined;
    this.nodes.set(path, { pos: at, keyPos, text, plain: plain && !node.tag });
    let tag: string;
    // PyYAML resolves a scalar with the non-specific tag `!` like a plain one, even when quoted.
    if (!node.tag && !plain) tag = TAG_STR;
    else if (node.tag && node.tag !== '!') tag = node.tag;
    else tag = resolvePlain(text);
    if (tag === TAG_MERGE) {
      this.error(
        at,
        path,
        `'<<' (a YAML merge key) can only be a mapping key; quote it to mean the string "<<"`,
      );
      return text;
    }
    const notPlain = tagProblem(tag);
    if (notPlain) {
      this.error(at, path, notPlain);
      return text;
    }
    if (tag === TAG_VALUE) {
      this.error(at, path, `PyYAML's safe_load cannot load a plain '='; quote it: "="`);
      return text;
    }
    try {
      return constructScalar(tag, text);
    } catch (err) {
      if (err instanceof ConstructError) {
        this.error(
          at,
          path,
          `${err.message}; PyYAML's safe_load fails on it, ${node.tag ? 'remove the tag' : 'quote the value to make it a string'}`,
        );
        return text;
      }
      throw err;
    }
  }

  /** PyYAML's `flatten_mapping`: merged pairs first (later sources first), then the mapping's own pairs. */
  private flatten(
    node: YAMLMap,
    path: string,
    stack: Set<Node>,
  ): { key: unknown; value: unknown; own: boolean }[] {
    const merge: { key: unknown; value: unknown; own: boolean }[] = [];
    const own: { key: unknown; value: unknown; own: boolean }[] = [];
    for (const pair of node.items as Pair[]) {
      const keyNode = this.deref(pair.key, path);
      const isMerge =
        keyNode instanceof Scalar &&
        !keyNode.tag &&
        (keyNode.type === 'PLAIN' || keyNode.type === undefined) &&
        keyNode.value === '<<';
      if (!isMerge) {
        own.push({ key: pair.key, value: pair.value, own: true });
        continue;
      }
      const at = this.pos((pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0]);
      const value = this.deref(pair.value, path);
      const sources: YAMLMap[] = [];
      if (value instanceof YAMLMap) sources.push(value);
      else if (value instanceof YAMLSeq) {
        for (const item of value.items) {
          const sub = this.deref(item, path);
          if (sub instanceof YAMLMap) sources.push(sub);
          else this.error(at, path, 'a merge key (<<) takes a mapping or a list of mappings');
        }
        sources.reverse();
      } else {
        this.error(at, path, 'a merge key (<<) takes a mapping or a list of mappings');
        continue;
      }
      for (const source of sources) {
        if (stack.has(source)) {
          this.error(at, path, 'recursive merge: a mapping cannot merge itself');
          continue;
        }
        stack.add(source);
        for (const p of this.flatten(source, path, stack)) {
          this.tick(source.range?.[0]);
          merge.push({ ...p, own: false });
        }
        stack.delete(source);
      }
    }
    return [...merge, ...own];
  }

  private mapping(node: YAMLMap, path: string, stack: Set<Node>): PyDict {
    const dict: PyDict = { type: 'dict', entries: [] };
    const index = new Map<string, { i: number; own: boolean }>();
    for (const pair of this.flatten(node, path, stack)) {
      const keyNodeRaw = pair.key as Node | null;
      const keyPos = this.pos(keyNodeRaw?.range?.[0] ?? (pair.value as Node | null)?.range?.[0]);
      const keyPath = `${path}\u0000key`;
      const key = this.build(pair.key, keyPath, undefined, stack);
      const keyText = this.nodes.get(keyPath)?.text;
      this.nodes.delete(keyPath);
      const id = keyIdentity(key);
      if (id === undefined) {
        this.error(
          keyPos,
          path,
          `a mapping key cannot be ${Array.isArray(key) ? 'a list' : 'a mapping'}; PyYAML's safe_load fails on it`,
        );
        continue;
      }
      const valuePath = childPath(path, key);
      const value = this.build(pair.value, valuePath, keyPos, stack);
      const info = this.nodes.get(valuePath);
      if (info && keyText !== undefined) info.keyText = keyText;
      const seen = index.get(id);
      if (seen !== undefined) {
        if (seen.own && pair.own) {
          this.error(
            keyPos,
            valuePath,
            `duplicate key ${typeof key !== 'string' ? displayValue(key) : /^[\x20-\x7e]{0,40}$/.test(key) ? key : excerpt(key)}; remove one of them (PyYAML would silently keep only the last)`,
          );
        }
        const entry = dict.entries[seen.i];
        if (entry) entry[1] = value;
        index.set(id, { i: seen.i, own: seen.own || pair.own });
      } else {
        index.set(id, { i: dict.entries.length, own: pair.own });
        dict.entries.push([key, value]);
      }
    }
    return dict;
  }
}

/** A problem with the spec file as a whole (not one field), at `pos`. */
function fileProblem(pos: SourcePos, message: string): { diagnostics: Diagnostic[] } {
  return { diagnostics: [{ ...pos, path: '', message }] };
}

/** Parse spec text. Never throws for bad input: problems come back as diagnostics. */
export function parseSpecText(file: string, text: string): { doc?: SpecDocument; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const at = (offset: number): SourcePos => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const size = Buffer.byteLength(text, 'utf8');
  if (size > LIMITS.specBytes) return tooLarge(file, size);
  const scanned = prescan(text);
  if (scanned?.problem === 'deep') {
    return fileProblem(
      { ...positionAt(text, scanned.offset), file },
      `the spec nests collections more than ${LIMITS.specNesting} levels deep here; a spec this deep is refused`,
    );
  }
  if (scanned?.problem === 'values') return tooManyValues({ ...positionAt(text, scanned.offset), file });
  const docs = parseAllDocuments(text, {
    version: '1.1',
    schema: 'failsafe',
    merge: false,
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: false,
  });
  const diagnostics: Diagnostic[] = [];
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    for (const e of d.errors) {
      const p = at(e.pos[0]);
      const message =
        e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'YAML syntax error';
      diagnostics.push({ ...p, path: '', message: `YAML syntax error: ${message}` });
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  if (list.length === 0 || (list.length === 1 && list[0]?.contents === null && text.trim() === '')) {
    return fileProblem(
      { file, line: 1, col: 1 },
      'the spec file is empty; write the image fields, e.g. "name: my-image"',
    );
  }
  if (list.length > 1) {
    const second = list[1];
    return fileProblem(
      at(second?.range?.[0] ?? 0),
      'a spec file holds one YAML document; remove the second document (after "---") or use an images: map for several images',
    );
  }
  const doc = list[0] as Document;
  const values = new PyValueBuilder(file, doc, lines);
  let value: PyValue;
  try {
    value = values.build(doc.contents, '');
  } catch (err) {
    if (!(err instanceof TooManyValues)) throw err;
    return tooManyValues(err.at);
  }
  if (values.diagnostics.length > 0) return { diagnostics: values.diagnostics };
  const root = values.nodes.get('') ?? { pos: { file, line: 1, col: 1 } };
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value.type !== 'dict') {
    const what =
      value === null ? 'empty (only comments or null)' : `not a mapping (it reads as ${describe(value)})`;
    return fileProblem(
      root.pos,
      `the spec file is ${what}; write the image fields as "key: value" lines, e.g. "name: my-image"`,
    );
  }
  return { doc: { file, value, nodes: values.nodes }, diagnostics: [] };
}

function tooManyValues(at: SourcePos): { diagnostics: Diagnostic[] } {
  return fileProblem(
    at,
    `the spec has more than ${LIMITS.specValues} values, counting each use of an alias as a copy of its ` +
      'anchor (nested aliases multiply); a spec this large is refused. Reduce the aliases, or split the file',
  );
}

function tooLarge(file: string, size: number): { diagnostics: Diagnostic[] } {
  return fileProblem(
    { file, line: 1, col: 1 },
    `the spec file is ${formatBytes(size)}; a spec file may be at most ${formatBytes(LIMITS.specBytes)}. ` +
      'Check that the path names the spec file',
  );
}

/** Line and column of a character offset (1-based), without a LineCounter (the document is not parsed). */
function positionAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/**
 * A first pass over the text with the `yaml` package's lexer, which does not recurse and builds nothing, to
 * refuse documents that composing (which recurses and allocates per node) would choke on: nesting deeper
 * than {@link LIMITS.specNesting} (flow brackets, and block nesting as indentation plus the `-`, `?` and `:`
 * indicators that open collections on one line), or more than {@link LIMITS.specValues} values as written.
 */
function prescan(text: string): { offset: number; problem: 'deep' | 'values' } | undefined {
  let flow = 0;
  let indent = 0;
  let indicators = 0;
  let offset = 0;
  let lineStart = true;
  let values = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') flow++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow--;
    else if (type === 'newline') {
      indent = 0;
      indicators = 0;
      lineStart = true;
    } else if (type === 'space' && lineStart) indent = token.length;
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind') indicators++;
    else if (
      type === 'scalar' ||
      type === 'single-quoted-scalar' ||
      type === 'double-quoted-scalar' ||
      type === 'alias'
    ) {
      if (++values > LIMITS.specValues) return { offset, problem: 'values' };
    }
    if (type !== 'space' && type !== 'newline') lineStart = false;
    // Two columns of indentation per level is the narrowest a block collection can nest.
    if (flow + indicators + indent / 2 > LIMITS.specNesting) return { offset, problem: 'deep' };
    // The lexer's mode markers (document, scalar, flow end) are not part of the source.
    if (token !== '\x02' && token !== '\x18' && token !== '\x1f') offset += token.length;
  }
  return undefined;
}

function describe(value: PyValue): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return excerpt(value);
  return excerpt(displayValue(value));
}

/** Read and parse a spec file. Unreadable, missing or oversized files become a diagnostic at 1:1. */
export async function readSpecFile(file: string): Promise<{ doc?: SpecDocument; diagnostics: Diagnostic[] }> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(file, LIMITS.specBytes);
  } catch (err) {
    if (err instanceof FileTooLarge) return tooLarge(file, err.size);
    const code = err instanceof NotRegularFile ? 'NOTFILE' : (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file; check the path (relative paths are relative to the current directory)'
        : code === 'EISDIR' || (code === 'NOTFILE' && (await isDirectory(file)))
          ? 'it is a directory; give the path of the YAML spec file inside it'
          : code === 'NOTFILE'
            ? 'it is not a regular file; give the path of the YAML spec file'
            : code === 'EACCES'
              ? 'permission denied; make the file readable'
              : `${code ?? 'unknown error'}`;
    return fileProblem({ file, line: 1, col: 1 }, `cannot read the spec file: ${why}`);
  }
  const text = bytes.toString('utf8');
  if (text.includes('\u0000')) {
    return fileProblem(
      { file, line: 1, col: 1 },
      'the spec file is not text (it contains NUL bytes); give the YAML spec file',
    );
  }
  return parseSpecText(file, text.replace(/^\uFEFF/, ''));
}

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
