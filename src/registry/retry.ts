/**
 * Retries for registry requests: exponential backoff with jitter, `Retry-After` honoured, and one
 * deadline for the whole check so a struggling registry costs bounded time.
 *
 * Written by hand: p-retry and similar libraries cannot take the wait from the server's `Retry-After`
 * or stop early when that wait would pass the deadline, which is most of what this module does.
 */

export interface RetryPolicy {
  /** Attempts per request, the first one included. */
  attempts: number;
  /** Backoff before the 2nd attempt; doubles each time, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time budget for one whole existence or visibility check, retries and waits included. */
  totalMs: number;
  /** Time limit of one HTTP request (headers and body). */
  requestTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  totalMs: 90_000,
  requestTimeoutMs: 20_000,
};

/** HTTP statuses worth another try: rate limiting and transient server errors. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

/**
 * Wait before attempt `failures + 1`: base·2^(failures-1), capped, with "equal jitter"
 * (a random value in [d/2, d]) so parallel clients spread out but never retry at once.
 */
export function backoffDelay(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One attempt's verdict: a final value, or a reason to try again (with the server's requested wait). */
export type Attempt<T> = { done: T } | { retry: string; waitMs?: number };
export type Retried<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface RetryClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Run `attempt` until it is done, the attempts run out, or the next wait would pass `deadline`.
 * `attempt` gets the time left, to bound its own request.
 */
export async function retrying<T>(
  policy: RetryPolicy,
  deadline: number,
  attempt: (remainingMs: number) => Promise<Attempt<T>>,
  clock: RetryClock = REAL_CLOCK,
): Promise<Retried<T>> {
  let failures = 0;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) return { ok: false, reason: 'the time budget for the check ran out' };
    const result = await attempt(remaining);
    if ('done' in result) return { ok: true, value: result.done };
    failures += 1;
    if (failures >= policy.attempts) {
      return { ok: false, reason: `${result.retry} (gave up after ${failures} attempts)` };
    }
    const wait = result.waitMs ?? backoffDelay(failures, policy, clock.random);
    const left = deadline - clock.now();
    if (wait >= left) {
      const asked =
        result.waitMs !== undefined ? `the registry asked to retry after ${Math.ceil(wait / 1000)} s, ` : '';
      return {
        ok: false,
        reason: `${result.retry} (gave up after ${failures} attempt${failures > 1 ? 's' : ''}: ${asked}beyond the ${Math.round(policy.totalMs / 1000)} s budget)`,
      };
    }
    await clock.sleep(wait);
  }
}
