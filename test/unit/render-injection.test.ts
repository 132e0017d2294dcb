/**
 * Spec values are data: whatever a value holds, the rendered Dockerfile has exactly the instructions the
 * spec implies. Checked by BuildKit's own line rules (test/support/buildkit-dockerfile.ts, a port of its
 * parser), by an independent Dockerfile parser (dockerfile-ast) and, for RUN scripts, a shell parser
 * (shell-quote): every RUN is exec form, every value is one intact shell word or JSON/ENV/LABEL value, and
 * each command is exactly the script of its own RUN.
 */
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { parse as parseShell } from 'shell-quote';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { renderBuild } from '../../src/render/index.js';
import type { Flavor, ImageSpec } from '../../src/spec/types.js';
import { parseBuildkit, type BuildkitInstruction } from '../support/buildkit-dockerfile.js';
import { image, planned, printed } from './render-support.js';

/** Every line separator YAML can produce in a value (double-quoted escapes and block scalars). */
const SEPARATORS = ['\n', '\r', '\r\n', '\u0085', '\u2028', '\u2029'];

/** Values meant to end an instruction, start one, open a heredoc, continue a line or become a directive. */
const HOSTILE = [
  'a; rm -rf /',
  '$(id)',
  '`id`',
  'x && echo pwned',
  "it's",
  '"',
  '\\',
  'x\\',
  'trailing \\ ',
  'trailing \\\t',
  'a b',
  '*',
  '#comment',
  '# escape=`',
  '# syntax=docker/dockerfile:1',
  '${PATH}',
  '| tee /x',
  '>out',
  '"; USER root; echo "',
  '"] \\ ["x',
  '["/bin/sh", "-c", "id"]',
  'USER root',
  '\\ RUN echo pwned',
  '$$',
  '<<EOF',
  'cat <<EOF',
  '<<-EOF',
  "<<'EOF'",
  '<<"EOF"',
  '0<<EOF',
  '<<EOF COPY . /x',
  'EOF',
  'ünïcødé ☃ Å',
  '\u00a0nbsp',
  '__proto__',
  'constructor',
];

/** Hostile values with every line separator: heredoc bodies, continuations, comment lines, new instructions. */
const MULTILINE = SEPARATORS.flatMap((sep) => [
  `a${sep}USER root`,
  `<<EOF${sep}COPY . /leak${sep}EOF`,
  `cat <<EOF${sep}ENV PWNED=1${sep}EOF`,
  `x \\${sep}RUN id`,
  `x${sep}# comment${sep}RUN id`,
  `${sep}`,
  `sep${sep}`,
]);

const SH = ['/bin/sh', '-c'];

interface Expected {
  env: Record<string, string>;
  labels: Record<string, string>;
  entrypoint: string[];
  commands: string[];
}

/** The flavors, and flyte with `python_exec` (which replaces the conda fields). */
type Variant = { flavor: Flavor; exec?: boolean; minWords: number };
const VARIANTS: Variant[] = [
  { flavor: 'generic', minWords: 7 },
  { flavor: 'flyte', minWords: 6 },
  { flavor: 'flyte', exec: true, minWords: 4 },
];

/** One value in every free-text field that reaches the Dockerfile. */
function specWith(v: string, variant: Variant): { spec: ImageSpec; expected: Expected } {
  const fields: Partial<ImageSpec> = {
    apt_packages: [v, 'curl'],
    packages: [v, 'numpy'],
    ...(variant.exec ? { python_exec: `/opt/py ${v}` } : { conda_packages: [v], conda_channels: [v] }),
    pip_index: v,
    pip_extra_index_url: [v],
    pip_extra_args: `--pre '${v.replace(/'/g, `'"'"'`)}'`,
    env: { VALUE: v, OTHER: 'x' },
    labels: { plain: v, 'org.example.x': v },
    entrypoint: [v, 'arg'],
    commands: [v.trim() === '' ? `echo ${v}` : v, 'echo last'],
  };
  const spec = image(fields);
  return {
    spec,
    expected: {
      env: { VALUE: v, OTHER: 'x' },
      labels: { 'dev.imagespec.spec-hash': 'abc123hash', plain: v, 'org.example.x': v },
      entrypoint: [v, 'arg'],
      commands: spec.commands,
    },
  };
}

async function render(spec: ImageSpec, flavor: Flavor): Promise<string> {
  return (await renderBuild(planned(spec, { flavor }))).dockerfile;
}

function byKeyword(ins: BuildkitInstruction[], kw: string): BuildkitInstruction[] {
  return ins.filter((i) => i.keyword === kw);
}

/** The structure a Dockerfile has by BuildKit's rules, with values left out. */
function skeleton(dockerfile: string): string[] {
  return parseBuildkit(dockerfile).instructions.map((i) => [i.keyword, ...i.flags].join(' '));
}

function shellOps(script: string): string[] {
  const tokens = parseShell(script, ((name: string) => `$${name}`) as unknown as Record<string, string>);
  return tokens.map((t) => (typeof t === 'string' ? 'word' : JSON.stringify(t)));
}

/**
 * Checks a rendered Dockerfile against what the spec implies: the benign instruction list, every RUN in
 * exec form with the fixed shell, the install steps with the benign shell structure and the value as one
 * word, commands as their own scripts, and ENV, LABEL and ENTRYPOINT carrying exactly the values.
 */
function expectExact(
  dockerfile: string,
  benign: string,
  v: string,
  expected: Expected,
  variant: Variant,
): void {
  const { flavor } = variant;
  const parsed = parseBuildkit(dockerfile);
  const base = parseBuildkit(benign);
  expect(parsed.escapeToken).toBe('\\');
  expect(parsed.directives).toEqual({});
  expect(skeleton(dockerfile), v).toEqual(skeleton(benign));
  // dockerfile-ast agrees, except that it looks for heredocs in exec-form RUNs too (BuildKit never does:
  // parser.go's canContainHeredoc is false for JSON arguments), so it is asked only when no `<<` appears.
  if (!dockerfile.includes('<<')) {
    expect(
      DockerfileParser.parse(dockerfile)
        .getInstructions()
        .map((i) => i.getKeyword()),
    ).toEqual(parsed.instructions.map((i) => i.keyword));
  }

  const runs = byKeyword(parsed.instructions, 'RUN');
  const benignRuns = byKeyword(base.instructions, 'RUN');
  for (const r of parsed.instructions) expect(r.heredocCandidate, `${v}: ${r.rest}`).toBe(false);
  for (const r of runs) {
    expect(r.json, r.rest).toBeDefined();
    expect(r.json!.length).toBe(3);
  }
  // Commands: generic gives each its own RUN whose script is the command itself; flyte joins them with &&.
  const scripts = runs.map((r) => r.json![2]!);
  if (flavor === 'generic') {
    const shells = runs.map((r) => r.json!.slice(0, 2));
    expect(shells.every((s) => s.join(' ') === SH.join(' '))).toBe(true);
    for (const c of expected.commands) expect(scripts).toContain(c);
  } else {
    expect(scripts).toContain(expected.commands.join(' && '));
  }
  // Install steps: same shell structure as the benign spec, the value as one word.
  const commandScripts = new Set([...expected.commands, expected.commands.join(' && ')]);
  const installs = scripts.filter((s) => !commandScripts.has(s));
  const benignCommands = specWith('benign', variant).expected.commands;
  const benignCommandScripts = new Set([...benignCommands, benignCommands.join(' && ')]);
  const benignInstalls = benignRuns.map((r) => r.json![2]!).filter((s) => !benignCommandScripts.has(s));
  expect(installs.map(shellOps), v).toEqual(benignInstalls.map(shellOps));
  const words = installs.flatMap((s) =>
    parseShell(s, ((name: string) => `$${name}`) as unknown as Record<string, string>).filter(
      (t): t is string => typeof t === 'string',
    ),
  );
  // apt, pip packages, conda packages and channels, index URLs and extra args each carry the value as one word.
  expect(words.filter((w) => w === v).length, v).toBeGreaterThanOrEqual(variant.minWords);

  const envs = Object.fromEntries(byKeyword(parsed.instructions, 'ENV').flatMap((e) => e.pairs ?? []));
  for (const [k, value] of Object.entries(expected.env)) expect(envs[k], k).toBe(value);
  if (variant.exec) expect(envs['UV_PYTHON']).toBe(`/opt/py ${v}`);
  const labels = Object.fromEntries(byKeyword(parsed.instructions, 'LABEL').flatMap((e) => e.pairs ?? []));
  expect(labels).toEqual(expected.labels);
  const [entrypoint] = byKeyword(parsed.instructions, 'ENTRYPOINT');
  expect(entrypoint?.json).toEqual(expected.entrypoint);
}

/** A refusal: a UserError with one diagnostic per problem, each at the field's file, line and column. */
function expectRefused(err: unknown, v: string): void {
  expect(err, JSON.stringify(v)).toBeInstanceOf(UserError);
  const diagnostics = (err as UserError).diagnostics;
  expect(diagnostics.length).toBeGreaterThan(0);
  expect(printed(err)).toMatch(/imagespec\.yaml:3:5: error: images\.app\.\S+: /);
}

// eslint-disable-next-line no-control-regex
const REFUSED_IN_VALUES = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/;

async function check(v: string, variant: Variant, benign: string): Promise<void> {
  const { spec, expected } = specWith(v, variant);
  const result = await render(spec, variant.flavor).then(
    (df) => ({ df }),
    (err: unknown) => ({ err }),
  );
  if ('err' in result) {
    // Only a value a Dockerfile line cannot hold (line breaks, control characters) may be refused.
    expect(REFUSED_IN_VALUES.test(v), `${JSON.stringify(v)}: ${printed(result.err)}`).toBe(true);
    expectRefused(result.err, v);
    return;
  }
  expect(REFUSED_IN_VALUES.test(v), JSON.stringify(v)).toBe(false);
  expectExact(result.df, benign, v, expected, variant);
}

describe('every free-text field', () => {
  for (const variant of VARIANTS) {
    const name = `${variant.flavor}${variant.exec ? ' with python_exec' : ''}`;
    test(`${name}: hostile values are refused at their position or rendered exactly`, async () => {
      const benign = await render(specWith('benign', variant).spec, variant.flavor);
      expect(byKeyword(parseBuildkit(benign).instructions, 'RUN').length).toBeGreaterThan(3);
      for (const v of [...HOSTILE, ...MULTILINE]) await check(v, variant, benign);
    });

    test(`${name}: random printable and hostile strings never change the instructions`, async () => {
      const benign = await render(specWith('benign', variant).spec, variant.flavor);
      const pieces = fc.constantFrom(...HOSTILE, ...SEPARATORS, '\\', '#', '<<', 'EOF', '"', "'", '$', '`');
      const value = fc
        .tuple(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), pieces), { maxLength: 5 }))
        .map(([parts]) => parts.join(''))
        .filter((s) => s.length > 0 && !s.includes('\u0000'));
      await fc.assert(
        fc.asyncProperty(value, (v) => check(v, variant, benign)),
        { numRuns: 120 },
      );
    });
  }
});

describe('commands', () => {
  const withCommands = (commands: string[], flavor: Flavor, extra: Partial<ImageSpec> = {}) =>
    renderBuild(planned(image({ commands, env: { A: 'b' }, ...extra }), { flavor }));

  for (const flavor of ['generic', 'flyte'] as const) {
    test(`${flavor}: any command, multi-line included, is exactly the script of one RUN`, async () => {
      const benign = (await withCommands(['echo benign', 'echo last'], flavor)).dockerfile;
      const commands = fc
        .array(
          fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...HOSTILE, ...MULTILINE)),
          {
            minLength: 1,
            maxLength: 3,
          },
        )
        .map((parts) => parts.join(''))
        .filter((c) => c.trim() !== '' && !c.includes('\u0000'));
      await fc.assert(
        fc.asyncProperty(commands, async (c) => {
          const { dockerfile } = await withCommands([c, 'echo last'], flavor);
          expect(skeleton(dockerfile)).toEqual(skeleton(benign));
          const runs = byKeyword(parseBuildkit(dockerfile).instructions, 'RUN');
          const scripts = runs.map((r) => r.json?.[2]);
          if (flavor === 'generic') {
            expect(scripts).toContain(c);
            expect(scripts).toContain('echo last');
          } else {
            expect(scripts).toContain(`${c} && echo last`);
          }
          const envs = byKeyword(parseBuildkit(dockerfile).instructions, 'ENV').flatMap((e) => e.pairs ?? []);
          expect(envs).toContainEqual(['A', 'b']);
        }),
        { numRuns: 150 },
      );
    });
  }

  test('a heredoc in a command is the shell heredoc of its own RUN', async () => {
    const c = 'cat <<EOF > /etc/motd\nhello\nEOF';
    const { dockerfile } = await withCommands([c], 'generic');
    expect(dockerfile).toContain('["/bin/sh", "-c", "cat <<EOF > /etc/motd\\nhello\\nEOF"]\n');
  });

  test('secret mounts stay on the RUN of every command', async () => {
    const secrets = [{ id: 'tok', env: 'TOK' }];
    for (const c of ['#comment', '  # note && id', '#', 'x \\', '<<EOF']) {
      const { dockerfile } = await withCommands([c, 'echo last'], 'generic', { secrets });
      const runs = byKeyword(parseBuildkit(dockerfile).instructions, 'RUN');
      const mine = runs.find((r) => r.json?.[2] === c);
      expect(mine?.flags, c).toEqual(['--mount=type=secret,id=tok']);
    }
  });

  test('entrypoint arguments are kept exactly, line breaks included', async () => {
    for (const sep of SEPARATORS) {
      const entrypoint = [`a${sep}USER root`, `<<EOF${sep}EOF`, 'x \\'];
      const df = await render(image({ entrypoint }), 'generic');
      const [ep] = byKeyword(parseBuildkit(df).instructions, 'ENTRYPOINT');
      expect(ep?.json).toEqual(entrypoint);
      expect(skeleton(df)).toEqual(skeleton(await render(image({ entrypoint: ['a'] }), 'generic')));
    }
  });

  test('an empty command is rejected', async () => {
    for (const c of ['', '  ']) {
      const err = await withCommands([c], 'generic').catch((e: unknown) => e);
      expect(err, JSON.stringify(c)).toBeInstanceOf(UserError);
      expect(printed(err)).toContain('images.app.commands[0]: the command is empty; remove it');
    }
  });

  test('a backslash inside a command is kept', async () => {
    const c = 'printf "a\\\\nb" | tr \\\\ x';
    const { dockerfile } = await withCommands([c], 'generic');
    expect(byKeyword(parseBuildkit(dockerfile).instructions, 'RUN').map((r) => r.json?.[2])).toContain(c);
  });
});

describe('rules for the other values', () => {
  test('line breaks and control characters are rejected with the field and position', async () => {
    for (const v of ['a\nUSER root', 'a\rb', 'x\\\nRUN id', 'nul\u0000', 'sep\u2028', 'nel\u0085']) {
      const err = await render(image({ packages: [v] }), 'generic').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(printed(err)).toMatch(
        /imagespec\.yaml:3:5: error: images\.app\.packages\[0\]: [\s\S]*line break or control character/,
      );
    }
  });

  test('a line longer than BuildKit reads is refused with the limit', async () => {
    const err = await render(image({ commands: [`echo ${'x'.repeat(70_000)}`] }), 'generic').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(printed(err)).toMatch(/imagespec\.yaml:3:5: error: .*BuildKit reads at most 65535 bytes per line/);
  });

  test('ENV and LABEL values keep `$` literal: the Dockerfile parser would expand it', async () => {
    const v = '$HOME ${X:-y} `id` $$';
    const df = await render(image({ env: { V: v }, labels: { l: v } }), 'generic');
    const escaped = '"\\$HOME \\${X:-y} `id` \\$\\$"';
    expect(df).toContain(`V=${escaped}`);
    expect(df).toContain(`"l"=${escaped}`);
  });

  test('pip_extra_args accepts quoted arguments but no shell syntax', async () => {
    const ok = await render(
      image({ packages: ['x'], pip_extra_args: `--pre "--config-settings=a b"` }),
      'generic',
    );
    expect(ok).toContain(`--pre '--config-settings=a b'`);
    for (const bad of ['--pre; id', '--pre $(id)', '--pre | tee', '--x $HOME', '--x *']) {
      const err = await render(image({ packages: ['x'], pip_extra_args: bad }), 'generic').catch(
        (e: unknown) => e,
      );
      expect(err, bad).toBeInstanceOf(UserError);
      expect(printed(err)).toContain('images.app.pip_extra_args');
    }
  });

  test('values that go into FROM or mount flags are restricted', async () => {
    const cases: Array<Partial<ImageSpec>> = [
      { base_image: 'debian AS x\nRUN id' },
      { base_image: 'debian --platform=x' },
      { packages: ['x'], builder_config: { uv_image: 'uv,source=/etc' } },
      { packages: ['x'], pip_secret_mounts: [['/tmp/a', '/root/a b']] },
      { packages: ['x'], secrets: [{ id: 'a,target=/etc/passwd', env: 'X' }] },
    ];
    for (const c of cases) {
      const err = await renderBuild(planned(image(c))).catch((e: unknown) => e);
      expect(err, JSON.stringify(c)).toBeInstanceOf(UserError);
    }
  });

  test('label keys are checked: a key with = or quotes cannot be written as a LABEL key', async () => {
    for (const key of ['a=b', '"k"', 'a b', '# escape=`']) {
      const err = await renderBuild(planned(image({ labels: { [key]: 'v' } }))).catch((e: unknown) => e);
      expect(err, key).toBeInstanceOf(UserError);
      expect(printed(err)).toContain('is not a valid label key');
    }
  });

  test('env names must be variable names', async () => {
    const err = await renderBuild(planned(image({ env: { 'A=B C': 'x' } }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(printed(err)).toContain('not a valid environment variable name');
  });

  test('source labels from the environment are data too', async () => {
    const url = 'https://x/"a \\\n RUN id';
    const err = await renderBuild(planned(image()), { source: { url } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const ok = await renderBuild(planned(image()), { source: { url: 'https://x/"a $b \\', revision: 'r' } });
    const labels = Object.fromEntries(
      byKeyword(parseBuildkit(ok.dockerfile).instructions, 'LABEL').flatMap((e) => e.pairs ?? []),
    );
    expect(labels['org.opencontainers.image.source']).toBe('https://x/"a $b \\');
  });
});
