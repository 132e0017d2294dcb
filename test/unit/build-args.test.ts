import { describe, expect, it } from 'vitest';
import type { BuilderInfo } from '../../src/build/builder.js';
import { buildArgs, ghaProblem, planCache } from '../../src/build/index.js';
import type { CachePlan } from '../../src/build/cache.js';
import type { BuildContext } from '../../src/render/types.js';
import { image, planned } from './render-support.js';

const where = { dir: '/ctx', dockerfile: '/ctx/Dockerfile', metadataFile: '/meta/m.json' };
const container: BuilderInfo = {
  name: 'imagespec',
  driver: 'docker-container',
  buildxVersion: '0.21.0',
  buildkitVersion: 'v0.20.1',
  platforms: [],
};
const classic: BuilderInfo = { name: 'default', driver: 'docker', containerdStore: false, platforms: [] };
const noCache: CachePlan = { backend: 'none', from: [], to: [], warnings: [] };

function context(extra: Partial<BuildContext> = {}, registry: string | null = 'ghcr.io/acme'): BuildContext {
  const p = planned(image({ name: 'app', ...(registry ? { registry } : {}) }));
  return {
    planned: p,
    kind: 'rendered',
    dockerfile: 'FROM debian\n',
    files: [],
    secrets: [],
    buildArgs: {},
    labels: {},
    platforms: p.platforms,
    cacheMounts: [],
    warnings: [],
    ...extra,
  };
}

/** The values following each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('buildArgs', () => {
  it('pushes an image with a registry, with provenance, and ends with the context directory', () => {
    const ctx = context();
    const cmd = buildArgs(ctx, where, container, noCache, { push: true, cache: 'none' });
    expect(cmd.pushed).toBe(true);
    expect(cmd.args.slice(0, 5)).toEqual(['buildx', 'build', '--builder', 'imagespec', '--progress']);
    // Pushed without naming the image in the local engine (store=false): concurrent runs cannot collide there.
    expect(values(cmd.args, '--tag')).toEqual([]);
    expect(values(cmd.args, '--output')).toEqual([
      `type=image,name=${ctx.planned.reference},push=true,store=false`,
    ]);
    expect(values(cmd.args, '--file')).toEqual(['/ctx/Dockerfile']);
    expect(values(cmd.args, '--metadata-file')).toEqual(['/meta/m.json']);
    expect(values(cmd.args, '--platform')).toEqual([ctx.platforms.join(',')]);
    expect(cmd.args).not.toContain('--load');
    expect(cmd.args).toContain('--provenance=mode=min');
    expect(cmd.args.at(-1)).toBe('/ctx');
  });

  it('a checked push: the build goes to the builder cache only (exporting the cache), the push reuses it', () => {
    const ctx = context();
    const cache = { ...noCache, from: ['type=gha,scope=a'], to: ['type=gha,scope=a,mode=max'] };
    const build = buildArgs(ctx, where, container, cache, { push: true, cache: 'gha' }, 'build');
    expect(values(build.args, '--output')).toEqual(['type=cacheonly']);
    expect(values(build.args, '--tag')).toEqual([]);
    expect(values(build.args, '--cache-to')).toEqual(cache.to);
    expect(build.args).toContain('--provenance=false');
    const push = buildArgs(ctx, where, container, cache, { push: true, cache: 'gha' }, 'push-built');
    expect(values(push.args, '--output')).toEqual([
      `type=image,name=${ctx.planned.reference},push=true,store=false`,
    ]);
    expect(values(push.args, '--cache-from')).toEqual(cache.from);
    expect(values(push.args, '--cache-to')).toEqual([]);
    expect(push.args).toContain('--provenance=mode=min');
  });

  it('loads an image without a registry, or when pushing is off', () => {
    for (const [ctx, push] of [
      [context({}, null), true],
      [context(), false],
    ] as const) {
      const cmd = buildArgs(ctx, where, container, noCache, { push, cache: 'none' });
      expect(cmd.pushed).toBe(false);
      expect(cmd.args).toContain('--load');
      expect(cmd.args).not.toContain('--push');
    }
  });

  it('turns attestations off for a load into the classic image store', () => {
    const cmd = buildArgs(context(), where, classic, noCache, {
      push: false,
      cache: 'none',
      provenance: 'max',
      sbom: true,
    });
    expect(cmd.args).toContain('--provenance=false');
    expect(cmd.args).not.toContain('--sbom=true');
  });

  it('passes provenance and sbom when pushing with a builder that can attach them', () => {
    for (const builder of [container, { ...classic, containerdStore: true }]) {
      const cmd = buildArgs(context(), where, builder, noCache, {
        push: true,
        cache: 'none',
        provenance: 'max',
        sbom: true,
      });
      expect(cmd.args).toContain('--provenance=mode=max');
      expect(cmd.args).toContain('--sbom=true');
      expect(cmd.warnings).toEqual([]);
    }
  });

  it('pushes from the classic image store without attestations, one warning per attestation dropped', () => {
    const cmd = buildArgs(context(), where, classic, noCache, {
      push: true,
      cache: 'none',
      provenance: 'max',
      sbom: true,
    });
    expect(cmd.pushed).toBe(true);
    expect(cmd.args).toContain('--provenance=false');
    expect(cmd.args).not.toContain('--sbom=true');
    expect(cmd.args.filter((a) => a.startsWith('--provenance'))).toHaveLength(1);
    expect(cmd.warnings).toEqual([
      "provenance attestation not attached: builder 'default' (driver docker, classic image store) cannot attach attestations",
      "SBOM attestation not attached: builder 'default' (driver docker, classic image store) cannot attach attestations",
    ]);
    const quiet = buildArgs(context(), where, classic, noCache, {
      push: true,
      cache: 'none',
      provenance: 'false',
    });
    expect(quiet.warnings).toEqual([]);
  });

  it('passes build args, target, network (the option over the spec), labels and secrets', () => {
    const ctx = context({
      kind: 'dockerfile',
      buildArgs: { A: '1', B: 'x y' },
      labels: { 'org.opencontainers.image.source': 'https://github.com/acme/app' },
      target: 'runtime',
      network: 'none',
      secrets: [
        { id: 'tok', env: 'TOKEN' },
        { id: 'netrc', src: '/home/u/.netrc' },
      ],
    });
    const cmd = buildArgs(ctx, where, container, noCache, {
      push: true,
      cache: 'none',
      network: 'host',
      labels: { team: 'ml' },
    });
    expect(values(cmd.args, '--build-arg')).toEqual(['A=1', 'B=x y']);
    expect(values(cmd.args, '--target')).toEqual(['runtime']);
    expect(values(cmd.args, '--network')).toEqual(['host']);
    expect(values(cmd.args, '--label')).toEqual([
      'org.opencontainers.image.source=https://github.com/acme/app',
      'team=ml',
    ]);
    expect(values(cmd.args, '--secret')).toEqual(['id=tok,env=TOKEN', 'id=netrc,src=/home/u/.netrc']);
    // The spec's network applies when the option does not override it.
    const own = buildArgs(ctx, where, container, noCache, { push: true, cache: 'none' });
    expect(values(own.args, '--network')).toEqual(['none']);
  });

  it('leaves the labels of a rendered Dockerfile to the Dockerfile', () => {
    const cmd = buildArgs(context({ labels: { a: 'b' } }), where, container, noCache, {
      push: true,
      cache: 'none',
    });
    expect(values(cmd.args, '--label')).toEqual([]);
  });

  it('passes the cache plan', () => {
    const cache: CachePlan = {
      backend: 'gha',
      from: ['type=gha,scope=s'],
      to: ['type=gha,scope=s,mode=max'],
      warnings: [],
    };
    const cmd = buildArgs(context(), where, container, cache, { push: true, cache: 'gha' });
    expect(values(cmd.args, '--cache-from')).toEqual(['type=gha,scope=s']);
    expect(values(cmd.args, '--cache-to')).toEqual(['type=gha,scope=s,mode=max']);
    expect(cmd.cache).toBe(cache);
  });
});

describe('ghaProblem', () => {
  const v1 = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://127.0.0.1:1/' };
  const v2 = {
    ACTIONS_RUNTIME_TOKEN: 't',
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
  };
  it('has none on a runner with the cache service and a capable builder', () => {
    expect(ghaProblem(container, v1)).toBeUndefined();
    expect(ghaProblem(container, v2)).toBeUndefined();
  });
  it('names what is missing', () => {
    expect(ghaProblem(classic, v1)).toMatch(/cannot export a cache without the containerd image store/);
    expect(ghaProblem(container, { ACTIONS_CACHE_URL: 'x' })).toMatch(/ACTIONS_RUNTIME_TOKEN is not set/);
    expect(ghaProblem(container, { ACTIONS_RUNTIME_TOKEN: 't' })).toBe('ACTIONS_CACHE_URL is not set');
    expect(ghaProblem(container, { ...v2, ACTIONS_RESULTS_URL: '' })).toMatch(/ACTIONS_RESULTS_URL is not/);
  });
  it('v2 needs buildx >= 0.21 and BuildKit >= 0.20', () => {
    expect(ghaProblem({ ...container, buildxVersion: '0.13.1' }, v2)).toMatch(
      /needs buildx >= 0\.21 \(found 0\.13\.1\)/,
    );
    expect(ghaProblem({ ...container, buildkitVersion: 'v0.12.5' }, v2)).toMatch(/needs BuildKit >= 0\.20/);
    // An old buildx is fine for the v1 service.
    expect(ghaProblem({ ...container, buildxVersion: '0.13.1' }, v1)).toBeUndefined();
  });
});

describe('planCache', () => {
  const p = planned(image({ name: 'app', registry: 'ghcr.io/acme' }));
  const env = { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'http://127.0.0.1:1/' };
  const inputs = { repository: p.repository, push: true };
  const scope = `imagespec-${p.spec.id}-${p.platforms.join('+').replace(/[^A-Za-z0-9._-]+/g, '-')}`;

  it('gha: one scope per image and platforms, mode=max, ignore-error on export', () => {
    const plan = planCache(p, container, { ...inputs, backend: 'gha' }, env);
    expect(plan).toEqual({
      backend: 'gha',
      from: [`type=gha,scope=${scope}`],
      to: [`type=gha,scope=${scope},mode=max,ignore-error=true`],
      warnings: [],
    });
  });

  it('gha on cache service v2: version=2 always spelled out, whatever truthy spelling the runner uses', () => {
    for (const v2 of ['true', '1', 'yes', 'TRUE']) {
      const plan = planCache(
        p,
        container,
        { ...inputs, backend: 'gha' },
        {
          ACTIONS_RUNTIME_TOKEN: 't',
          ACTIONS_CACHE_SERVICE_V2: v2,
          ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
        },
      );
      expect(plan.from).toEqual([`type=gha,scope=${scope},version=2`]);
      expect(plan.to).toEqual([`type=gha,scope=${scope},version=2,mode=max,ignore-error=true`]);
    }
    for (const off of ['', '0', 'false']) {
      const plan = planCache(
        p,
        container,
        { ...inputs, backend: 'gha' },
        { ...env, ACTIONS_CACHE_SERVICE_V2: off },
      );
      expect(plan.from).toEqual([`type=gha,scope=${scope}`]);
    }
  });

  it('gha export lists keys through the GitHub API when a token and the repository are known', () => {
    const withRepo = { ...env, GITHUB_REPOSITORY: 'acme/app' };
    const plan = planCache(p, container, { ...inputs, backend: 'gha', githubToken: 'ghs_abc' }, withRepo);
    expect(plan.from).toEqual([`type=gha,scope=${scope}`]);
    expect(plan.to).toEqual([
      `type=gha,scope=${scope},ghtoken=ghs_abc,repository=acme/app,mode=max,ignore-error=true`,
    ]);
    // Without the repository, or with a token that would break the CSV, nothing is added.
    const noRepo = planCache(p, container, { ...inputs, backend: 'gha', githubToken: 'ghs_abc' }, env);
    expect(noRepo.to[0]).not.toContain('ghtoken');
    const bad = planCache(p, container, { ...inputs, backend: 'gha', githubToken: 'a,b=c' }, withRepo);
    expect(bad.to[0]).not.toContain('ghtoken');
    // GitHub Enterprise Server: BuildKit would ask api.github.com, so no token goes there.
    const ghes = { ...withRepo, GITHUB_SERVER_URL: 'https://github.example.com' };
    const onGhes = planCache(p, container, { ...inputs, backend: 'gha', githubToken: 'ghs_abc' }, ghes);
    expect(onGhes.to[0]).not.toContain('ghtoken');
    const dotcom = { ...withRepo, GITHUB_SERVER_URL: 'https://github.com' };
    expect(
      planCache(p, container, { ...inputs, backend: 'gha', githubToken: 'ghs_abc' }, dotcom).to[0],
    ).toContain('ghtoken=ghs_abc');
  });

  it('gha without ACTIONS_CACHE_URL falls back to none with a warning', () => {
    const plan = planCache(p, container, { ...inputs, backend: 'gha' }, { ACTIONS_RUNTIME_TOKEN: 't' });
    expect(plan.backend).toBe('none');
    expect(plan.from).toEqual([]);
    expect(plan.to).toEqual([]);
    expect(plan.warnings).toEqual([
      "cache 'gha' not used: ACTIONS_CACHE_URL is not set; building without a cache export",
    ]);
  });

  it('gha with the v2 service and an old buildx falls back with a warning', () => {
    const plan = planCache(
      p,
      { ...container, buildxVersion: '0.13.1' },
      { ...inputs, backend: 'gha' },
      {
        ACTIONS_RUNTIME_TOKEN: 't',
        ACTIONS_CACHE_SERVICE_V2: '1',
        ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
      },
    );
    expect(plan.backend).toBe('none');
    expect(plan.warnings[0]).toMatch(/cache service v2, which needs buildx >= 0\.21 \(found 0\.13\.1\)/);
  });

  it('registry: a cache tag in the image repository, only when pushing', () => {
    const plan = planCache(p, container, { ...inputs, backend: 'registry' }, {});
    expect(plan.backend).toBe('registry');
    expect(plan.from).toEqual([`type=registry,ref=${p.repository}:${scope}`]);
    expect(plan.to).toEqual([`type=registry,ref=${p.repository}:${scope},mode=max,ignore-error=true`]);
    const local = planCache(p, container, { ...inputs, push: false, backend: 'registry' }, {});
    expect(local.backend).toBe('none');
    expect(local.warnings[0]).toMatch(/a registry cache needs pushing/);
  });

  it('local: a directory per scope under the cache dir, with the prefix', () => {
    const plan = planCache(p, container, { ...inputs, backend: 'local', dir: '/c', prefix: 'x-' }, {});
    const dir = `/c/${scope.replace(/^imagespec-/, 'x-')}`;
    expect(plan.from).toEqual([`type=local,src=${dir}`]);
    expect(plan.to).toEqual([`type=local,dest=${dir},mode=max,ignore-error=true`]);
  });

  it('registry and local need a builder that can export a cache', () => {
    for (const backend of ['registry', 'local'] as const) {
      const plan = planCache(p, classic, { ...inputs, backend }, {});
      expect(plan.backend).toBe('none');
      expect(plan.warnings[0]).toMatch(/builder 'default' cannot export a cache/);
    }
  });

  it('none: no cache and no warning', () => {
    expect(planCache(p, classic, { ...inputs, backend: 'none' }, {})).toEqual(noCache);
  });
});
