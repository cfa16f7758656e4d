/**
 * The same cases against both StateStores: process memory and a real redis-server. Redis's clock is not
 * moved: where the memory store's cases move time, the Redis cases read the expiry Redis holds instead.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateUnavailable } from "../../src/errors.js";
import { MemoryStore } from "../../src/state/memory-store.js";
import { connectRedis } from "../../src/state/redis-connection.js";
import { RedisHealth } from "../../src/state/redis-health.js";
import { RedisStore } from "../../src/state/redis-store.js";
import { createSharedState, redisReady } from "../../src/state/shared-state.js";
import type { StateStore } from "../../src/state/store.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let redis: RedisServer;
let client: Redis;
let raw: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = await connectRedis({ url: redis.url, prefix: "t:", timeout_ms: 500 });
  raw = new Redis(redis.url);
  await redisReady(client, 5_000);
  await raw.ping();
});
afterAll(async () => {
  client?.disconnect();
  raw?.disconnect();
  await redis?.close();
});

interface Subject {
  store: StateStore;
  /** Milliseconds left before `key` expires, as the store holds it. */
  ttlOf(key: string): Promise<number>;
}

let run = 0;
const subjects: Array<[string, () => Subject]> = [
  [
    "MemoryStore",
    () => {
      const at = 1_000_000;
      const entries = new Map<string, number>();
      const store = new MemoryStore({ now: () => at });
      // The memory store keeps its expiry private: record what was asked of it.
      const recorded: StateStore = {
        put: async (k, v, ttl) => {
          await store.put(k, v, ttl);
          entries.set(k, ttl);
        },
        putIfAbsent: async (k, v, ttl) => {
          const stored = await store.putIfAbsent(k, v, ttl);
          if (stored) entries.set(k, ttl);
          return stored;
        },
        get: (k) => store.get(k),
        take: (k) => store.take(k),
        increment: async (k, ttl) => {
          const n = await store.increment(k, ttl);
          if (n === 1) entries.set(k, ttl);
          return n;
        },
      };
      return { store: recorded, ttlOf: async (k) => entries.get(k) ?? -2 };
    },
  ],
  [
    "RedisStore",
    () => {
      const prefix = `contract-${++run}:`;
      return { store: new RedisStore(client, prefix), ttlOf: (k) => raw.pttl(prefix + k) };
    },
  ],
];

describe.each(subjects)("%s", (_name, make) => {
  it("keeps a value with the time to live it was given", async () => {
    const { store, ttlOf } = make();
    await store.put("device:A", "x", 60_000);
    expect(await store.get("device:A")).toBe("x");
    expect(await store.get("device:A")).toBe("x");
    const ttl = await ttlOf("device:A");
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await store.put("device:A", "y", 30_000);
    expect(await store.get("device:A")).toBe("y");
    expect(await ttlOf("device:A")).toBeLessThanOrEqual(30_000);
  });

  it("take hands a value to exactly one of several callers", async () => {
    const { store } = make();
    await store.put("browser:s", "v", 60_000);
    const taken = await Promise.all(Array.from({ length: 8 }, () => store.take("browser:s")));
    expect(taken.filter((v) => v !== undefined)).toEqual(["v"]);
    expect(await store.get("browser:s")).toBeUndefined();
    expect(await store.take("browser:s")).toBeUndefined();
  });

  it("putIfAbsent lets exactly one of several writers win, with an expiry", async () => {
    const { store, ttlOf } = make();
    const wins = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.putIfAbsent("used:h", String(i), 5_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await store.get("used:h")).toBe(String(wins.indexOf(true)));
    expect(await ttlOf("used:h")).toBeGreaterThan(0);
  });

  it("counts from 1, with the window's expiry set by the first increment only", async () => {
    const { store, ttlOf } = make();
    const counts = await Promise.all(Array.from({ length: 5 }, () => store.increment("verify:ip", 10_000)));
    expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await store.increment("verify:ip", 99_000)).toBe(6);
    const ttl = await ttlOf("verify:ip");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it("refuses an entry that would never expire", async () => {
    const { store } = make();
    await expect(store.put("k", "v", 0)).rejects.toThrow(RangeError);
    await expect(store.putIfAbsent("k", "v", -1)).rejects.toThrow(RangeError);
    await expect(store.increment("k", Number.NaN)).rejects.toThrow(RangeError);
  });
});

describe("RedisStore on a real Redis", () => {
  it("namespaces every key under its prefix, and every key it writes expires", async () => {
    const a = new RedisStore(client, "ns-a:");
    const b = new RedisStore(client, "ns-b:");
    await a.put("k", "from a", 60_000);
    await a.putIfAbsent("once", "1", 60_000);
    await a.increment("n", 60_000);
    expect(await b.get("k")).toBeUndefined();
    expect(await raw.get("ns-a:k")).toBe("from a");
    const keys = await raw.keys("ns-a:*");
    expect(keys.sort()).toEqual(["ns-a:k", "ns-a:n", "ns-a:once"]);
    for (const key of keys) expect(await raw.pttl(key)).toBeGreaterThan(0);
  });

  it("fails with StateUnavailable, within its timeout, while Redis hangs or is gone, and works again once it is back", async () => {
    const own = await startRedis();
    const events: string[] = [];
    const state = await createSharedState(
      { url: own.url, prefix: "f:", timeout_ms: 300 },
      {
        unavailable: () => events.push("unavailable"),
        available: () => events.push("available"),
        fallback: (use) => events.push(`fallback ${use}`),
      },
    );
    try {
      await state.ready();
      await state.tables.signIn.put("k", "v", 60_000);
      own.pause();
      await expect(state.tables.signIn.get("k")).rejects.toBeInstanceOf(StateUnavailable);
      // The circuit is open now: no second wait on the hanging server.
      await expect(state.tables.signIn.get("k")).rejects.toBeInstanceOf(StateUnavailable);
      // Caches answer from process memory meanwhile.
      const cache = state.cache;
      if (cache === undefined) throw new Error("a Redis state has a cache");
      await cache.put("c", "local", 60_000);
      expect(await cache.get("c")).toBe("local");
      own.resume();
      await own.kill();
      await expect(state.tables.signIn.putIfAbsent("k2", "v", 60_000)).rejects.toBeInstanceOf(
        StateUnavailable,
      );
      await own.start();
      await waitFor(async () => (await state.tables.signIn.get("k").catch(() => "down")) !== "down");
      // Without persistence the restarted Redis is empty: nothing is made up.
      expect(await state.tables.signIn.get("k")).toBeUndefined();
      expect(await state.tables.signIn.putIfAbsent("k2", "v", 60_000)).toBe(true);
      expect(events.filter((e) => e === "unavailable")).toHaveLength(
        events.filter((e) => e === "available").length,
      );
      expect(events[0]).toBe("unavailable");
      expect(events).toContain("fallback cache");
    } finally {
      await state.close();
      await own.close();
    }
  });

  it("reports one unavailable and one available per outage, not one per command", async () => {
    const own = await startRedis();
    const events: string[] = [];
    const c = await connectRedis({ url: own.url, prefix: "h:", timeout_ms: 300 });
    const health = new RedisHealth(c, {
      unavailable: () => events.push("unavailable"),
      available: () => events.push("available"),
    });
    const store = new RedisStore(c, "h:", health);
    try {
      await redisReady(c, 5_000);
      await own.kill();
      for (let i = 0; i < 20; i++) await store.get("x").catch(() => undefined);
      await own.start();
      await waitFor(
        async () =>
          await store
            .get("x")
            .then(() => true)
            .catch(() => false),
      );
      expect(events).toEqual(["unavailable", "available"]);
    } finally {
      c.disconnect();
      await own.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("closing the shared state", () => {
  it("is not reported as an outage", async () => {
    const events: string[] = [];
    const state = await createSharedState(
      { url: redis.url, prefix: "close:", timeout_ms: 300 },
      { unavailable: () => events.push("unavailable") },
    );
    await state.ready();
    await state.tables.signIn.put("k", "v", 1_000);
    await state.close();
    expect(events).toEqual([]);
  });
});
