/**
 * Faults between the client and a real registry (the testbed's `basic` one, behind the project's own
 * fault-injecting proxy): retried failures that clear give the true answer; failures that persist give
 * `unknown`, never a false `exists` or `missing`, within the retry budget.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, checkExistence, type RegistryOptions } from '../../src/registry/index.js';
import { checkPlanned } from '../../src/pipeline.js';
import type { PlannedImage } from '../../src/spec/types.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { basicAuth, pushImage, pushIndex } from '../support/registry-upload.js';
import { testbed } from '../support/testbed.js';

const { registry: BASIC, user: USER, password: PASSWORD } = testbed().basic;

const repo = `imagespec-e2e/faults-${randomUUID().slice(0, 8)}`;
let proxy: FaultProxy;
let digest: string;

/** Small budgets so persistent faults end quickly; four attempts per request. */
const RETRY = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 1_000, totalMs: 8_000 };
const options = (): RegistryOptions => ({
  configDir: '/nonexistent',
  explicit: [{ registry: proxy.host, username: USER, password: PASSWORD }],
  retry: RETRY,
});
/**
 * A check under a persistent fault ends within the retry budget (plus slack for a loaded machine): a bound
 * that fails if retries go on without limit, not a speed requirement.
 */
const WITHIN_BUDGET_MS = RETRY.totalMs + 5_000;
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

const manifests = (req: IncomingMessage): boolean => (req.url ?? '').includes('/manifests/');
const check = (tag: string, platforms: string[] = []) =>
  checkExistence(new RegistryClient(options()), `${proxy.host}/${repo}:${tag}`, platforms);
const manifestRequests = () => proxy.log.filter((r) => r.url.includes('/manifests/'));

beforeAll(async () => {
  const target = { registry: BASIC, authorization: basicAuth(USER, PASSWORD) };
  digest = (await pushImage(target, repo, 'linux/amd64', 'v1')).digest;
  await pushIndex(target, repo, 'multi', ['linux/amd64', 'linux/arm64']);
  proxy = await startFaultProxy(BASIC);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  proxy.log.length = 0;
  proxy.setFaults([]);
});

describe('through the fault proxy', () => {
  it('passes answers through unchanged', async () => {
    expect(await check('v1')).toMatchObject({ state: 'exists', digest });
    expect((await check('absent')).state).toBe('missing');
  });

  it.each([500, 502, 503, 504])('retries %i and then gives the true answer', async (status) => {
    proxy.setFaults([{ match: manifests, fault: { status }, times: 2 }]);
    expect(await check('v1')).toMatchObject({ state: 'exists', digest });
    proxy.setFaults([{ match: manifests, fault: { status }, times: 2 }]);
    expect((await check('absent')).state).toBe('missing');
  });

  it.each([500, 503])('is unknown when %i persists, for present and absent tags', async (status) => {
    proxy.setFaults([{ match: manifests, fault: { status } }]);
    for (const tag of ['v1', 'absent']) {
      proxy.log.length = 0;
      const r = await check(tag);
      expect(r).toMatchObject({ state: 'unknown', cause: 'server' });
      expect(r.reason).toContain(`answered ${status}`);
      expect(r.reason).toContain('gave up after 4 attempts');
      // Four attempts, then the check gives up.
      expect(manifestRequests().filter((q) => q.outcome === String(status))).toHaveLength(4);
    }
  });

  it('waits as long as 429 Retry-After asks, then answers', async () => {
    proxy.setFaults([{ match: manifests, fault: { status: 429, retryAfter: '1' }, times: 1 }]);
    expect(await check('v1')).toMatchObject({ state: 'exists', digest });
    const [limited, next] = manifestRequests();
    expect(limited?.outcome).toBe('429');
    expect(next!.at - limited!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once when Retry-After is beyond the budget', async () => {
    proxy.setFaults([{ match: manifests, fault: { status: 429, retryAfter: '3600' } }]);
    const r = await check('v1');
    expect(r).toMatchObject({ state: 'unknown', cause: 'server' });
    expect(r.reason).toContain('retry after 3600 s');
    expect(manifestRequests()).toHaveLength(1);
  });

  it('retries connection resets, and is unknown when they persist', async () => {
    proxy.setFaults([{ match: manifests, fault: { reset: true }, times: 2 }]);
    expect(await check('v1')).toMatchObject({ state: 'exists', digest });
    proxy.setFaults([{ match: manifests, fault: { reset: true } }]);
    const { value: r, ms } = await timed(() => check('absent'));
    expect(r).toMatchObject({ state: 'unknown', cause: 'network' });
    expect(r.reason).toContain('reset');
    expect(manifestRequests().length).toBeLessThanOrEqual(RETRY.attempts * 2);
    expect(ms).toBeLessThan(WITHIN_BUDGET_MS);
  });

  it('times out a stalled registry: unknown, never missing', async () => {
    proxy.setFaults([{ match: manifests, fault: { stall: true } }]);
    const { value: r, ms } = await timed(() => check('absent'));
    expect(r).toMatchObject({ state: 'unknown', cause: 'timeout' });
    expect(r.reason).toContain('no answer from');
    expect(manifestRequests().length).toBeLessThanOrEqual(4);
    expect(ms).toBeLessThan(WITHIN_BUDGET_MS);
  });

  it('recovers from a single stall', async () => {
    proxy.setFaults([{ match: manifests, fault: { stall: true }, times: 1 }]);
    const { value: r, ms } = await timed(() => check('v1'));
    expect(r).toMatchObject({ state: 'exists', digest });
    expect(ms).toBeLessThan(WITHIN_BUDGET_MS);
  });

  it('never says exists when the index cannot be read', async () => {
    const getManifest = (req: IncomingMessage): boolean => req.method === 'GET' && manifests(req);
    proxy.setFaults([{ match: getManifest, fault: { status: 503 } }]);
    const r = await check('multi', ['linux/amd64', 'linux/arm64']);
    expect(r.state).toBe('unknown');
    proxy.setFaults([]);
    expect((await check('multi', ['linux/amd64', 'linux/arm64'])).state).toBe('exists');
  });

  it('is unknown when the registry cannot be reached at all', async () => {
    const closed = await startFaultProxy(BASIC);
    const host = closed.host;
    await closed.close();
    const r = await checkExistence(new RegistryClient(options()), `${host}/${repo}:v1`);
    expect(r).toMatchObject({ state: 'unknown', cause: 'network' });
    expect(r.reason).toContain('refused');
  });
});

describe('plan stage', () => {
  it('checks images concurrently, never more at once than the bound, keeping build order', async () => {
    const refs = Array.from(
      { length: 6 },
      (_, i) => `${proxy.host}/${repo}:${i % 2 === 0 ? 'v1' : `absent-${i}`}`,
    );
    const planned = refs.map(
      (reference) =>
        ({
          reference,
          registry: proxy.host,
          repository: reference,
          platforms: [],
          spec: { registry: proxy.host },
        }) as unknown as PlannedImage,
    );
    proxy.setFaults([{ match: manifests, fault: { delayMs: 150 } }]);
    const entries = await checkPlanned(planned, new RegistryClient(options()), 2);
    expect(entries.map((e) => e.planned.reference)).toEqual(refs);
    expect(entries.map((e) => e.existence.state)).toEqual([
      'exists',
      'missing',
      'exists',
      'missing',
      'exists',
      'missing',
    ]);
    expect(proxy.maxInFlight()).toBe(2);
  });
});
