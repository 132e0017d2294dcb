import { describe, expect, it } from 'vitest';
import { parseHashArgs } from '../../src/commands/args.js';
import { build } from '../../src/commands/build.js';
import { plan } from '../../src/commands/plan.js';
import { UserError } from '../../src/errors.js';

describe('--insecure-registry', () => {
  it('plan takes it repeatedly', () => {
    const args = [
      '--insecure-registry',
      'registry.internal:5000',
      '--insecure-registry=http://10.0.0.5',
      'spec.yaml',
    ];
    expect(parseHashArgs('plan', args, 'usage', true)).toEqual({
      spec: 'spec.yaml',
      flavor: 'generic',
      insecure: ['registry.internal:5000', 'http://10.0.0.5'],
    });
  });

  it('is refused by commands that ask no registry', () => {
    expect(() => parseHashArgs('tag', ['--insecure-registry', 'x:5000', 'spec.yaml'], 'usage')).toThrow(
      UserError,
    );
  });

  it('rejects a value that is not a registry host', () => {
    expect(() =>
      parseHashArgs('plan', ['--insecure-registry', 'reg.example/acme/app', 'spec.yaml'], 'usage', true),
    ).toThrow(
      /plan: --insecure-registry needs a registry host, optionally with a port .*not 'reg.example\/acme\/app'/,
    );
  });

  it('build rejects a bad value before doing anything', async () => {
    await expect(build.run(['--insecure-registry', 'a b', 'missing-spec.yaml'])).rejects.toThrow(
      /build: --insecure-registry needs a registry host/,
    );
  });

  it('is documented in the help of plan and build', () => {
    expect(plan.usage).toMatch(/--insecure-registry HOST\[:PORT\]/);
    expect(build.usage).toMatch(/--insecure-registry HOST\[:PORT\]/);
  });
});
