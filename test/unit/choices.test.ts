import { describe, expect, it } from 'vitest';
import { readInputs } from '../../src/action/inputs.js';
import {
  parseCacheBackend,
  parseFlavor,
  parseOnUnknown,
  parseProvenance,
  provenanceFlag,
} from '../../src/choices.js';
import { parseSpecArgs } from '../../src/commands/args.js';
import { UserError } from '../../src/errors.js';

const inputs = (values: Record<string, string>) => readInputs((name) => values[name] ?? '');

describe('settings shared by the action and the CLI', () => {
  it('defaults when empty and reads values case-insensitively', () => {
    expect(parseOnUnknown('x', undefined)).toBe('fail');
    expect(parseOnUnknown('x', ' Build ')).toBe('build');
    expect(parseCacheBackend('x', '')).toBe('gha');
    expect(parseCacheBackend('x', 'LOCAL')).toBe('local');
    expect(parseFlavor('x', undefined)).toBe('generic');
    expect(parseFlavor('x', 'flyte')).toBe('flyte');
  });

  it('names the setting and lists the choices when a value is wrong', () => {
    expect(() => parseOnUnknown('build: --on-unknown', 'maybe')).toThrow(UserError);
    expect(() => parseOnUnknown('build: --on-unknown', 'maybe')).toThrow(
      "build: --on-unknown is 'maybe'; use one of: fail, build, skip",
    );
    expect(() => parseCacheBackend("input 'cache'", 's3')).toThrow(
      "input 'cache' is 's3'; use one of: gha, registry, local, none",
    );
  });

  it('provenance: min, max and false, with true and buildx mode= spellings', () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'min'],
      ['', 'min'],
      ['min', 'min'],
      ['max', 'max'],
      ['false', 'false'],
      ['true', 'min'],
      ['mode=max', 'max'],
      ['MODE=MIN', 'min'],
    ];
    for (const [text, want] of cases) expect(parseProvenance('p', text)).toBe(want);
    expect(() => parseProvenance('p', 'mode=all')).toThrow("p is 'mode=all'; use one of: min, max, false");
    expect(provenanceFlag('max')).toBe('mode=max');
    expect(provenanceFlag('false')).toBe('false');
  });

  it('the action and the CLI accept the same flavors', () => {
    for (const flavor of ['generic', 'flyte']) {
      expect(inputs({ flavor }).flavor).toBe(flavor);
      expect(parseSpecArgs('tag', ['--flavor', flavor, 'spec.yaml'], 'usage', {}).flavor).toBe(flavor);
    }
    expect(() => inputs({ flavor: 'docker' })).toThrow("input 'flavor' is 'docker'");
    expect(() => parseSpecArgs('tag', ['--flavor', 'docker', 's.yaml'], 'usage', {})).toThrow(
      "tag: --flavor is 'docker'",
    );
  });

  it('the action and the CLI accept the same provenance values', () => {
    for (const p of ['min', 'max', 'false'] as const) {
      expect(inputs({ provenance: p }).provenance).toBe(p);
      expect(parseProvenance('build: --provenance', p)).toBe(p);
    }
  });
});
