/**
 * The exchange's rate limit on rate-limiter-flexible: `requests_per_second` sustained and `burst` at once,
 * per key (a client address, a subject). In process memory without Redis (RateLimiterMemory); with
 * Redis, counted in Redis so the limit holds across every instance (RateLimiterRedis), with an in-memory
 * insurance limiter (RateLimiterMemory) that answers while Redis does not.
 *
 * rate-limiter-flexible counts in fixed windows of whole seconds, so the bucket of `rps` and `burst` is
 * approximated by two windows (its BurstyRateLimiter): the sustained rate (`rps` per second, or one per
 * 1/rps seconds below 1 per second) and the rest of the burst, spread over the time a bucket takes to refill.
 *
 * Memory is bounded: past `maxKeys` keys in one window, further new keys share one overflow key (the
 * limit then falls on all newcomers at once, never on the keys already known); Redis keys expire.
 */
import type { Redis } from "ioredis";
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { RedisHealth } from "../state/redis-health.js";

export interface RateLimits {
  requests_per_second: number;
  burst: number;
}

export interface RateLimiterOptions {
  /** Counts in Redis, shared by every instance; process memory when absent. */
  redis?: { client: Redis; prefix: string; health: RedisHealth };
  /** Most keys counted in memory per window (default 50,000). */
  maxKeys?: number;
  /** Names this limiter's Redis keys (`<prefix><namespace>:…`, default "ratelimit"): two limiters never share a count. */
  namespace?: string;
}

interface Window {
  points: number;
  duration: number;
}

/** The two fixed windows that stand in for a bucket of `burst` refilled at `rps` per second. */
export function windowsOf({ requests_per_second: rps, burst }: RateLimits): {
  sustained: Window;
  burst?: Window;
} {
  const duration = Math.max(1, Math.ceil(1 / rps));
  const sustained = { points: Math.max(1, Math.floor(rps * duration)), duration };
  const rest = burst - sustained.points;
  if (rest <= 0) return { sustained };
  return { sustained, burst: { points: rest, duration: Math.max(duration, Math.ceil(burst / rps)) } };
}

const OVERFLOW_KEY = "overflow";

type Limiter = RateLimiterAbstract | BurstyRateLimiter;

export class RateLimiter {
  readonly #shared: Limiter | undefined;
  readonly #local: Limiter;
  readonly #health: RedisHealth | undefined;
  readonly #maxKeys: number;
  readonly #windowMs: number;
  #keys = new Set<string>();
  #windowStart = Date.now();

  constructor(limits: RateLimits, options: RateLimiterOptions = {}) {
    if (!(limits.requests_per_second > 0)) throw new TypeError("requests_per_second must be positive");
    if (!Number.isInteger(limits.burst) || limits.burst < 1)
      throw new TypeError("burst must be a positive integer");
    const windows = windowsOf(limits);
    this.#maxKeys = options.maxKeys ?? 50_000;
    this.#windowMs = Math.max(windows.sustained.duration, windows.burst?.duration ?? 0) * 1000;
    const combine = (make: (w: Window, name: string) => RateLimiterAbstract): Limiter => {
      const sustained = make(windows.sustained, "rate");
      return windows.burst ? new BurstyRateLimiter(sustained, make(windows.burst, "burst")) : sustained;
    };
    const redis = options.redis;
    this.#health = redis?.health;
    if (!redis) {
      this.#local = combine((w, name) => new RateLimiterMemory({ ...w, keyPrefix: name }));
      return;
    }
    // One memory per window, both the insurance of its Redis limiter and what answers while the circuit
    // is open, so an outage counts in one place.
    const onFallback = () => {
      // Used while the circuit was closed: a Redis command has just failed.
      if (redis.health.usable) redis.health.failed(new Error("a rate-limit command failed"));
      redis.health.fellBack("rate_limit");
    };
    const insurance = new Map<string, RateLimiterMemory>();
    const memory = (w: Window, name: string) => {
      const limiter = new InsuranceLimiter({ ...w, keyPrefix: name }, onFallback);
      insurance.set(name, limiter);
      return limiter;
    };
    this.#local = combine(memory);
    this.#shared = combine(
      (w, name) =>
        new RateLimiterRedis({
          ...w,
          storeClient: redis.client,
          keyPrefix: `${redis.prefix}${options.namespace ?? "ratelimit"}:${name}`,
          // Not "ready" (reconnecting): straight to the insurance limiter, no wait.
          rejectIfRedisNotReady: true,
          // Once over the limit in a window, refused from memory for the rest of it: a flood costs Redis nothing.
          inMemoryBlockOnConsumed: w.points + 1,
          insuranceLimiter: insurance.get(name),
        }),
    );
  }

  /** Takes one request for `key`; resolves 0 when allowed, else the whole seconds to wait (at least 1). */
  async take(key: string): Promise<number> {
    // Disconnected, the Redis limiter turns to its insurance at once (and keeps its in-memory blocks);
    // a Redis that hangs would cost a timeout per request, so memory answers directly for a moment.
    const limiter = this.#shared && !this.#health?.hanging ? this.#shared : this.#local;
    try {
      await limiter.consume(this.#capped(key));
      return 0;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    }
  }

  #capped(key: string): string {
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#keys = new Set();
      this.#windowStart = now;
    }
    if (this.#keys.has(key)) return key;
    if (this.#keys.size >= this.#maxKeys) return OVERFLOW_KEY;
    this.#keys.add(key);
    return key;
  }
}

/** The in-memory limiter rate-limiter-flexible turns to when a Redis command fails; says so when it does. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory["consume"]>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(...args);
  }
}
