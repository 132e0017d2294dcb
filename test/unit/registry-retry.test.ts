import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  retrying,
  type RetryClock,
} from '../../src/registry/retry.js';

/** A clock that advances only when the code under test sleeps. */
function fakeClock(random = 0.5): RetryClock & { slept: number[]; t: number } {
  const clock = {
    t: 1_000_000,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
    random: () => random,
  };
  return clock;
}

describe('retry policy', () => {
  it('backs off exponentially with jitter in [d/2, d], capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(400);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
    expect(backoffDelay(10, p, () => 0)).toBe(500);
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('retries 429, 408 and transient 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 401, 403, 404, 501].some(isRetryableStatus)).toBe(false);
  });

  it('honours the server wait and stops after the attempts', async () => {
    const clock = fakeClock();
    const policy = { ...DEFAULT_RETRY, attempts: 3, baseDelayMs: 100 };
    let calls = 0;
    const result = await retrying(
      policy,
      clock.t + 60_000,
      async () => {
        calls += 1;
        return calls === 1 ? { retry: '429', waitMs: 2000 } : { retry: '503' };
      },
      clock,
    );
    expect(result).toEqual({ ok: false, reason: '503 (gave up after 3 attempts)' });
    expect(calls).toBe(3);
    expect(clock.slept).toEqual([2000, 150]);
  });

  it('gives up at once when the server asks to wait past the deadline', async () => {
    const clock = fakeClock();
    const result = await retrying(
      { ...DEFAULT_RETRY, totalMs: 10_000 },
      clock.t + 10_000,
      async () => ({ retry: 'answered 429', waitMs: 120_000 }),
      clock,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/answered 429 .*retry after 120 s, beyond the 10 s budget/);
    expect(clock.slept).toEqual([]);
  });

  it('returns the first final answer', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retrying(
      DEFAULT_RETRY,
      clock.t + 60_000,
      async () => {
        calls += 1;
        return calls < 3 ? { retry: 'reset' } : { done: 'ok' };
      },
      clock,
    );
    expect(result).toEqual({ ok: true, value: 'ok' });
  });
});
