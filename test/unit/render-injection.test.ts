/**
 * Spec values are data: whatever a value holds, the rendered Dockerfile has the same instructions, and
 * every RUN step the same shell structure, with each value as one intact shell word. Checked with an
 * independent Dockerfile parser (dockerfile-ast) and shell parser (shell-quote).
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import fc from 'fast-check';
import { parse as parseShell } from 'shell-quote';
import { describe, expect, test } from 'vitest';
import { UserError } from '../../src/errors.js';
import { renderBuild } from '../../src/render/index.js';
import type { Flavor, ImageSpec } from '../../src/spec/types.js';
import { image, planned, printed } from './render-support.js';

/** One value per field; every field that reaches the Dockerfile gets the value under test. */
function specWith(v: string): ImageSpec {
  return image({
    apt_packages: [v, 'curl'],
    packages: [v, 'numpy'],
    conda_packages: [v],
    conda_channels: [v],
    pip_index: v,
    pip_extra_index_url: [v],
    pip_extra_args: `--pre '${v.replace(/'/g, `'"'"'`)}'`,
    env: { VALUE: v, OTHER: 'x' },
    labels: { [v]: v, plain: v },
    entrypoint: [v, 'arg'],
    python_exec: undefined,
  });
}

interface Shape {
  keywords: string[];
  runs: Array<{ flags: string[]; ops: string[]; words: string[] }>;
  props: number[];
}

/**
 * The shell text of a RUN instruction as BuildKit reads it: physical lines joined where one ends with the
 * escape character (BuildKit's `\\[ \t]*$` rule), then the instruction name and `--flags` removed.
 */
function runScript(dockerfile: string, ins: Instruction): string {
  const range = ins.getRange();
  const lines = dockerfile.split('\n').slice(range.start.line, range.end.line + 1);
  const joined = lines.map((l) => l.replace(/\\[ \t]*$/, '')).join('');
  return joined.replace(/^\s*RUN\s+/, '').replace(/^(--\S+\s+)+/, '');
}

function shape(dockerfile: string): Shape {
  const parsed = DockerfileParser.parse(dockerfile);
  const instructions: Instruction[] = parsed.getInstructions();
  const runs: Shape['runs'] = [];
  const props: number[] = [];
  for (const ins of instructions) {
    const kw = ins.getKeyword();
    if (kw === 'RUN') {
      const content = runScript(dockerfile, ins);
      const tokens = parseShell(content, ((name: string) => `$${name}`) as unknown as Record<string, string>);
      runs.push({
        flags: (ins as unknown as { getFlags(): Array<{ getName(): string }> })
          .getFlags()
          .map((f) => f.getName()),
        ops: tokens.map((t) => (typeof t === 'string' ? 'word' : JSON.stringify(t))),
        words: tokens.filter((t): t is string => typeof t === 'string'),
      });
    }
    if (kw === 'ENV' || kw === 'LABEL') {
      props.push((ins as unknown as { getProperties(): unknown[] }).getProperties().length);
    }
  }
  return { keywords: instructions.map((i) => i.getKeyword()), runs, props };
}

async function render(v: string, flavor: Flavor): Promise<string> {
  return (await renderBuild(planned(specWith(v), { flavor }))).dockerfile;
}

const CORPUS = [
  'a; rm -rf /',
  '$(id)',
  '`id`',
  'x && echo pwned',
  "it's",
  '"',
  '\\',
  'x\\',
  'trailing \\ ',
  'a b',
  '*',
  '#comment',
  '${PATH}',
  '| tee /x',
  '>out',
  '"; USER root; echo "',
  '"] \\ ["x',
  'USER root',
  '\\ RUN echo pwned',
  '$$',
  'ünïcødé ☃',
  '__proto__',
  'constructor',
];

describe('injection corpus', () => {
  for (const flavor of ['generic', 'flyte'] as const) {
    test(`${flavor}: no value adds an instruction or shell syntax`, async () => {
      const benign = shape(await render('benign', flavor));
      expect(benign.keywords).toContain('RUN');
      for (const v of CORPUS) {
        const s = shape(await render(v, flavor));
        expect(s.keywords, v).toEqual(benign.keywords);
        expect(s.props, v).toEqual(benign.props);
        expect(s.runs.map((r) => r.flags)).toEqual(benign.runs.map((r) => r.flags));
        expect(
          s.runs.map((r) => r.ops),
          v,
        ).toEqual(benign.runs.map((r) => r.ops));
        const words = s.runs.flatMap((r) => r.words);
        // apt, conda packages and channels, index URLs and extra args each carry the value as one word.
        expect(words.filter((w) => w === v).length, v).toBeGreaterThanOrEqual(flavor === 'generic' ? 6 : 5);
      }
    });
  }

  test('entrypoint stays a JSON array of the exact values', async () => {
    for (const v of CORPUS) {
      const df = await render(v, 'generic');
      const line = df.split('\n').find((l) => l.startsWith('ENTRYPOINT '))!;
      expect(JSON.parse(line.slice('ENTRYPOINT '.length))).toEqual([v, 'arg']);
    }
  });

  test('random printable values never change the structure', async () => {
    const benign = shape(await render('benign', 'generic'));
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ unit: 'binary', minLength: 1, maxLength: 24 })
          // eslint-disable-next-line no-control-regex
          .filter((s) => !/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(s)),
        async (v) => {
          const s = shape(await render(v, 'generic'));
          expect(s.keywords).toEqual(benign.keywords);
          expect(s.props).toEqual(benign.props);
          expect(s.runs.map((r) => r.ops)).toEqual(benign.runs.map((r) => r.ops));
          expect(s.runs.flatMap((r) => r.words)).toContain(v);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('line breaks and control characters are rejected with the field and position', async () => {
    for (const v of ['a\nUSER root', 'a\rb', 'x\\\nRUN id', 'nul\u0000', 'sep\u2028']) {
      const err = await render(v, 'generic').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(printed(err)).toMatch(
        /imagespec\.yaml:3:5: error: images\.app\.\S+: [\s\S]*line break or control character/,
      );
    }
  });

  test('commands may be shell but must stay on one line', async () => {
    const ok = await renderBuild(planned(image({ commands: ['echo a && echo b > /tmp/x'] })));
    expect(ok.dockerfile).toContain('RUN echo a && echo b > /tmp/x\n');
    const err = await renderBuild(planned(image({ commands: ['echo a\nUSER root'] }))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(printed(err)).toContain('images.app.commands[0]');
  });

  describe('commands', () => {
    const withCommand = (v: string, flavor: Flavor) =>
      renderBuild(planned(image({ commands: [v, 'echo last'], env: { A: 'b' } }), { flavor }));
    const continues = (v: string) => /\\[ \t]*$/.test(v);

    for (const flavor of ['generic', 'flyte'] as const) {
      test(`${flavor}: no command adds or swallows an instruction`, async () => {
        const benign = shape((await withCommand('echo benign', flavor)).dockerfile);
        for (const v of CORPUS.filter((c) => !continues(c))) {
          const s = shape((await withCommand(v, flavor)).dockerfile);
          expect(s.keywords, v).toEqual(benign.keywords);
          expect(s.props, v).toEqual(benign.props);
        }
      });

      test(`${flavor}: a trailing backslash is rejected with the field, position and fix`, async () => {
        const values = [
          'echo hi \\',
          'echo hi \\\\',
          'echo hi \\\\\\',
          'echo hi \\ \t',
          ...CORPUS.filter(continues),
        ];
        expect(values.length).toBeGreaterThan(5);
        for (const v of values) {
          const err = await withCommand(v, flavor).catch((e: unknown) => e);
          expect(err, v).toBeInstanceOf(UserError);
          expect(printed(err)).toMatch(
            /^\S*imagespec\.yaml:3:5: error: images\.app\.commands\[0\]: .*remove the trailing backslash \(each command is one line\)/,
          );
          expect((err as UserError).diagnostics).toEqual([
            expect.objectContaining({ line: 3, col: 5, path: 'images.app.commands[0]' }),
          ]);
        }
      });
    }

    test('a command starting with # stays on its RUN line when secrets are mounted', async () => {
      const secrets = [{ id: 'tok', env: 'TOK' }];
      const render = async (c: string) =>
        shape((await renderBuild(planned(image({ commands: [c, 'echo last'], secrets })))).dockerfile);
      const benign = await render('echo benign');
      for (const c of ['#comment', '  # note && id', '#']) {
        expect((await render(c)).keywords, c).toEqual(benign.keywords);
      }
    });

    test('an empty command is rejected', async () => {
      for (const c of ['', '  ']) {
        const err = await withCommand(c, 'generic').catch((e: unknown) => e);
        expect(err, JSON.stringify(c)).toBeInstanceOf(UserError);
        expect(printed(err)).toContain('images.app.commands[0]: the command is empty; remove it');
      }
    });

    test('a backslash inside a command is kept', async () => {
      const ok = await withCommand('printf "a\\\\nb" | tr \\\\ x', 'generic');
      expect(ok.dockerfile).toContain('RUN printf "a\\\\nb" | tr \\\\ x\n');
    });
  });

  test('ENV and LABEL values keep `$` literal: the Dockerfile parser would expand it', async () => {
    const v = '$HOME ${X:-y} `id` $$';
    const df = (await renderBuild(planned(image({ env: { V: v }, labels: { l: v } })))).dockerfile;
    const escaped = '"\\$HOME \\${X:-y} `id` \\$\\$"';
    expect(df).toContain(`V=${escaped}`);
    expect(df).toContain(`"l"=${escaped}`);
  });

  test('pip_extra_args accepts quoted arguments but no shell syntax', async () => {
    const ok = await renderBuild(
      planned(image({ packages: ['x'], pip_extra_args: `--pre "--config-settings=a b"` })),
    );
    expect(ok.dockerfile).toContain(`--pre '--config-settings=a b'`);
    for (const bad of ['--pre; id', '--pre $(id)', '--pre | tee', '--x $HOME', '--x *']) {
      const err = await renderBuild(planned(image({ packages: ['x'], pip_extra_args: bad }))).catch(
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

  test('env names must be variable names', async () => {
    const err = await renderBuild(planned(image({ env: { 'A=B C': 'x' } }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(printed(err)).toContain('not a valid environment variable name');
  });
});
