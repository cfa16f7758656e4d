import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { RateLimiter, windowsOf } from "../../src/server/rate-limiter.js";
import { connectRedis } from "../../src/state/redis-connection.js";
import { RedisHealth } from "../../src/state/redis-health.js";
import { redisReady } from "../../src/state/shared-state.js";
import { type RedisServer, startRedis } from "../support/redis.js";

const takeAll = (limiter: RateLimiter, key: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => limiter.take(key)));

describe("RateLimiter in process memory", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows a burst, then refills at the configured rate", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const limiter = new RateLimiter({ requests_per_second: 2, burst: 3 });
    expect(await takeAll(limiter, "a", 3)).toEqual([0, 0, 0]);
    expect(await limiter.take("a")).toBe(1);
    expect(await limiter.take("b")).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(await takeAll(limiter, "a", 3)).toEqual([0, 0, 1]);
    vi.advanceTimersByTime(1_000);
    expect(await takeAll(limiter, "a", 4)).toEqual([0, 0, 0, 1]);
  });

  it("tells how long to wait at slow rates", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requests_per_second: 0.1, burst: 1 });
    expect(await limiter.take("a")).toBe(0);
    expect(await limiter.take("a")).toBe(10);
    vi.advanceTimersByTime(10_000);
    expect(await limiter.take("a")).toBe(0);
  });

  it("stands in for the bucket with whole-second windows", () => {
    expect(windowsOf({ requests_per_second: 2, burst: 3 })).toEqual({
      sustained: { points: 2, duration: 1 },
      burst: { points: 1, duration: 2 },
    });
    expect(windowsOf({ requests_per_second: 0.01, burst: 1 })).toEqual({
      sustained: { points: 1, duration: 100 },
    });
    expect(windowsOf({ requests_per_second: 50, burst: 50 })).toEqual({
      sustained: { points: 50, duration: 1 },
    });
  });

  it("stays bounded under many clients: newcomers past the cap share one key", async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requests_per_second: 1, burst: 1 }, { maxKeys: 100 });
    for (let i = 0; i < 100; i++) expect(await limiter.take(`c${i}`)).toBe(0);
    // Known clients keep their own count; the 101st and later newcomers are counted together.
    expect(await limiter.take("c5")).toBe(1);
    expect(await limiter.take("new-1")).toBe(0);
    expect(await limiter.take("new-2")).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(await limiter.take("new-2")).toBe(0);
  });

  it("refuses nonsense limits at construction", () => {
    expect(() => new RateLimiter({ requests_per_second: 0, burst: 1 })).toThrow(TypeError);
    expect(() => new RateLimiter({ requests_per_second: 1, burst: 0.5 })).toThrow(TypeError);
  });
});

describe("RateLimiter on a real Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  async function instance(events: string[] = []) {
    const client = await connectRedis({ url: redis.url, prefix: "rl-test:", timeout_ms: 300 });
    const health = new RedisHealth(client, {
      unavailable: () => events.push("unavailable"),
      available: () => events.push("available"),
      fallback: (use) => events.push(`fallback ${use}`),
    });
    await redisReady(client, 5_000);
    return { client, health, events };
  }

  it("holds one limit across instances: two limiters sharing Redis allow the burst once, not twice", async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    try {
      const limits = { requests_per_second: 0.01, burst: 5 };
      const one = new RateLimiter(limits, { redis: { ...a, prefix: "shared-1:" } });
      const two = new RateLimiter(limits, { redis: { ...b, prefix: "shared-1:" } });
      const waits = await Promise.all([takeAll(one, "203.0.113.7", 6), takeAll(two, "203.0.113.7", 6)]);
      expect(waits.flat().filter((w) => w === 0)).toHaveLength(5);
      for (const w of waits.flat().filter((w) => w > 0)) expect(w).toBeGreaterThanOrEqual(1);
      // Another key is not affected.
      expect(await two.take("203.0.113.8")).toBe(0);
    } finally {
      a.client.disconnect();
      b.client.disconnect();
    }
  });

  it("falls back to process memory while Redis is down, says so, and counts in Redis again once it is back", async () => {
    const a = await instance();
    try {
      const limiter = new RateLimiter(
        { requests_per_second: 0.01, burst: 2 },
        { redis: { ...a, prefix: "shared-2:" } },
      );
      expect(await takeAll(limiter, "k", 3)).toEqual([0, 0, expect.any(Number)]);
      await redis.kill();
      // A key Redis had refused stays refused for the rest of its window (remembered in memory).
      expect(await limiter.take("k")).toBeGreaterThan(0);
      // A new key is counted in process memory: the limit holds per process, never unlimited.
      const during = await takeAll(limiter, "k2", 3);
      expect(during.filter((w) => w === 0)).toHaveLength(2);
      expect(a.events).toContain("unavailable");
      expect(a.events).toContain("fallback rate_limit");
      await redis.start();
      await redisReady(a.client, 10_000);
      await vi.waitFor(() => expect(a.health.usable).toBe(true), { timeout: 5_000 });
      expect(a.events).toContain("available");
      // The restarted Redis is empty: the count starts again there.
      expect(await takeAll(limiter, "k3", 3)).toEqual([0, 0, expect.any(Number)]);
      expect(await a.client.keys("shared-2:*")).not.toHaveLength(0);
    } finally {
      a.client.disconnect();
    }
  });
});
