import { describe, expect, it } from 'vitest';
import type { OnUnknown } from '../../src/choices.js';
import { decideImage, type ImageDecision } from '../../src/decide.js';
import type { RegistryCheck } from '../../src/registry/existence.js';

type State = 'exists' | 'missing' | 'unknown';
const ANY = undefined;
const off = 'pull request from a fork';

/**
 * The whole decision, as a table. A row matches a combination when every column given matches (ANY matches
 * everything; a list matches any of its values). Every combination must match exactly one row.
 */
interface Row {
  force: boolean | undefined;
  state: State | State[] | undefined;
  registry: boolean | undefined;
  push: boolean | undefined;
  buildWithoutPush: boolean | undefined;
  onUnknown: OnUnknown | undefined;
  action: ImageDecision['action'];
  reason: string | RegExp;
  warning?: RegExp;
}

const row = (
  [force, state, registry, push, buildWithoutPush, onUnknown]: [
    Row['force'],
    Row['state'],
    Row['registry'],
    Row['push'],
    Row['buildWithoutPush'],
    Row['onUnknown'],
  ],
  action: Row['action'],
  reason: Row['reason'],
  warning?: RegExp,
): Row => ({
  force,
  state,
  registry,
  push,
  buildWithoutPush,
  onUnknown,
  action,
  reason,
  ...(warning ? { warning } : {}),
});

const rebuild = 'force: rebuilding an existing tag';
const missing = 'spec changed or first build: manifest unknown (404)';
const TABLE: Row[] = [
  // force builds everything; without push and without build-without-push nothing is built.
  row([true, 'exists', ANY, true, ANY, ANY], 'build', rebuild),
  row([true, 'exists', ANY, false, true, ANY], 'build', rebuild),
  row([true, 'exists', ANY, false, false, ANY], 'skip', `${rebuild}; not built: ${off}`),
  row([true, ['missing', 'unknown'], ANY, true, ANY, ANY], 'build', 'force'),
  row([true, ['missing', 'unknown'], ANY, false, true, ANY], 'build', 'force'),
  row([true, ['missing', 'unknown'], ANY, false, false, ANY], 'skip', `force; not built: ${off}`),
  // an existing tag is never rebuilt without force
  row([false, 'exists', ANY, ANY, ANY, ANY], 'skip', 'exists'),
  // a missing tag is built, whatever on-unknown says
  row([false, 'missing', ANY, true, ANY, ANY], 'build', missing),
  row([false, 'missing', ANY, false, true, ANY], 'build', missing),
  row([false, 'missing', ANY, false, false, ANY], 'skip', `${missing}; not built: ${off}`),
  // unknown without a registry: nothing to look up or push to, on-unknown does not apply
  row([false, 'unknown', false, true, ANY, ANY], 'build', 'no registry to look the tag up in'),
  row([false, 'unknown', false, false, true, ANY], 'build', 'no registry to look the tag up in'),
  row(
    [false, 'unknown', false, false, false, ANY],
    'skip',
    `no registry to look the tag up in; not built: ${off}`,
  ),
  // unknown, not pushing: building cannot overwrite anything, on-unknown does not apply
  row([false, 'unknown', true, false, true, ANY], 'build', 'existence unknown and pushing is off'),
  row(
    [false, 'unknown', true, false, false, ANY],
    'skip',
    `existence unknown and pushing is off; not built: ${off}`,
  ),
  // unknown, pushing: on-unknown decides
  row(
    [false, 'unknown', true, true, ANY, 'fail'],
    'fail',
    /^Cannot tell whether ghcr\.io\/o\/app:t exists: 401 without credentials\. .*set on-unknown to 'build'/,
  ),
  row(
    [false, 'unknown', true, true, ANY, 'build'],
    'build',
    'existence unknown; built by on-unknown: build',
    /401 without credentials\); building it because on-unknown is 'build'/,
  ),
  row(
    [false, 'unknown', true, true, ANY, 'skip'],
    'skip',
    'existence unknown; skipped by on-unknown: skip',
    /401 without credentials\); assuming it does because on-unknown is 'skip'/,
  ),
];

const existence: Record<State, RegistryCheck> = {
  exists: { state: 'exists', reason: 'found', digest: 'sha256:aa' },
  missing: { state: 'missing', reason: 'manifest unknown (404)' },
  unknown: { state: 'unknown', cause: 'auth', reason: '401 without credentials' },
};

const matches = <T>(want: T | T[] | undefined, got: T): boolean =>
  want === undefined || (Array.isArray(want) ? want.includes(got) : want === got);

function* combinations() {
  for (const force of [false, true])
    for (const state of ['exists', 'missing', 'unknown'] as const)
      for (const registry of [true, false])
        for (const push of [true, false])
          for (const buildWithoutPush of [true, false])
            for (const onUnknown of ['fail', 'build', 'skip'] as const)
              yield { force, state, registry, push, buildWithoutPush, onUnknown };
}

describe('the per-image decision', () => {
  const all = [...combinations()];

  it('covers every combination of force, existence, registry, push, build-without-push and on-unknown', () => {
    expect(all).toHaveLength(2 * 3 * 2 * 2 * 2 * 3);
    const used = new Set<Row>();
    for (const c of all) {
      const rows = TABLE.filter(
        (r) =>
          matches(r.force, c.force) &&
          matches(r.state, c.state) &&
          matches(r.registry, c.registry) &&
          matches(r.push, c.push) &&
          matches(r.buildWithoutPush, c.buildWithoutPush) &&
          matches(r.onUnknown, c.onUnknown),
      );
      expect(rows, JSON.stringify(c)).toHaveLength(1);
      const want = rows[0]!;
      used.add(want);
      const got = decideImage(
        { reference: 'ghcr.io/o/app:t', hasRegistry: c.registry, existence: existence[c.state] },
        {
          force: c.force,
          onUnknown: c.onUnknown,
          canPush: c.push,
          buildWithoutPush: c.buildWithoutPush,
          pushOffReason: off,
        },
      );
      expect(got.action, JSON.stringify(c)).toBe(want.action);
      if (typeof want.reason === 'string') expect(got.reason, JSON.stringify(c)).toBe(want.reason);
      else expect(got.reason, JSON.stringify(c)).toMatch(want.reason);
      if (want.warning) expect(got.warning, JSON.stringify(c)).toMatch(want.warning);
      else expect(got.warning, JSON.stringify(c)).toBeUndefined();
    }
    expect(used.size).toBe(TABLE.length);
  });

  it('says pushing is off when the push policy gave no reason', () => {
    const got = decideImage(
      { reference: 'r', hasRegistry: true, existence: existence.missing },
      { force: false, onUnknown: 'fail', canPush: false, buildWithoutPush: false },
    );
    expect(got).toEqual({ action: 'skip', reason: `${missing}; not built: pushing is off` });
  });
});
