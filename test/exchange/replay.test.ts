/**
 * `replay: once` and the shared opaque-token cache, against the real service in-process: alone (process
 * memory), and as two instances sharing a real redis-server.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExchangeResponse, type Harness, startHarness } from "../support/harness.js";
import { tokenFragments } from "../support/log-collector.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let provider: EmbeddedProvider;
let redis: RedisServer;
let raw: Redis;
beforeAll(async () => {
  [provider, redis] = await Promise.all([startEmbeddedProvider(), startRedis()]);
  raw = new Redis(redis.url);
});
afterAll(async () => {
  raw?.disconnect();
  await Promise.all([provider?.close(), redis?.close()]);
});

function expectRefusedAsUsed(response: ExchangeResponse, vendorCode: number, token: string) {
  expect(response.status).toBe(401);
  expect(response.json).toEqual({
    status: {
      reason: expect.stringMatching(/already exchanged/),
      sql_state: expect.any(String),
      vendor_code: vendorCode,
    },
  });
  expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  expect(response.json?.id_token).toBeUndefined();
  for (const fragment of tokenFragments(token)) expect(response.text).not.toContain(fragment);
}

describe("replay: once, one process", () => {
  let once: Harness;
  let allow: Harness;
  beforeAll(async () => {
    [once, allow] = await Promise.all([
      startHarness({ provider, dev: { replay: "once" } }),
      startHarness({ provider }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([once?.close(), allow?.close()]);
  });

  it("refuses an id_token already exchanged with 401 / -1235, and takes a fresh one", async () => {
    const { id_token } = await provider.issueTokens("alice");
    expect((await once.post({ id_token, database: "retail_analytics" })).status).toBe(200);
    expectRefusedAsUsed(await once.post({ id_token, database: "retail_analytics" }), -1235, id_token);
    const fresh = await provider.issueTokens("alice");
    expect((await once.post({ id_token: fresh.id_token, database: "retail_analytics" })).status).toBe(200);
  });

  it("refuses an opaque access_token already exchanged with 401 / -1236", async () => {
    const { access_token } = await provider.issueTokens("alice");
    expect((await once.post({ access_token, database: "retail_analytics" })).status).toBe(200);
    expectRefusedAsUsed(await once.post({ access_token, database: "retail_analytics" }), -1236, access_token);
  });

  it("does not use a token up on a refused exchange", async () => {
    const { id_token } = await provider.issueTokens("alice");
    expect((await once.post({ id_token, database: "not_granted" })).status).toBe(403);
    expect((await once.post({ id_token, database: "retail_analytics" })).status).toBe(200);
  });

  it("mints once of many concurrent exchanges of one token", async () => {
    const { id_token } = await provider.issueTokens("alice");
    const statuses = await Promise.all(
      Array.from(
        { length: 6 },
        async () => (await once.post({ id_token, database: "retail_analytics" })).status,
      ),
    );
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it("allows replays by default", async () => {
    const { id_token } = await provider.issueTokens("alice");
    expect((await allow.post({ id_token, database: "retail_analytics" })).status).toBe(200);
    expect((await allow.post({ id_token, database: "retail_analytics" })).status).toBe(200);
  });
});

describe("two instances sharing Redis", () => {
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    const state = { redis: { url: redis.url, prefix: "replay-test:" } };
    [a, b] = await Promise.all([
      startHarness({ provider, dev: { replay: "once" }, state }),
      startHarness({ provider, dev: { replay: "once" }, state }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it("refuse a token exchanged through the other instance, remembering only its hash until its exp", async () => {
    const { id_token } = await provider.issueTokens("alice");
    expect((await a.post({ id_token, database: "retail_analytics" })).status).toBe(200);
    expectRefusedAsUsed(await b.post({ id_token, database: "retail_analytics" }), -1235, id_token);
    const hash = createHash("sha256").update(id_token).digest("base64url");
    const key = `replay-test:replay:dev:${hash}`;
    expect(await raw.exists(key)).toBe(1);
    const exp = JSON.parse(Buffer.from(id_token.split(".")[1] as string, "base64url").toString())
      .exp as number;
    const ttl = await raw.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual((exp + 60) * 1000 - Date.now() + 1000);
    for (const k of await raw.keys("replay-test:*")) {
      for (const fragment of tokenFragments(id_token)) expect(k).not.toContain(fragment);
    }
  });

  it("share the opaque-token check cache: the second instance asks no provider", async () => {
    const state = { redis: { url: redis.url, prefix: "cache-test:" } };
    const [c, d] = await Promise.all([startHarness({ provider, state }), startHarness({ provider, state })]);
    const introspections = async (h: Harness) =>
      /ocient_sso_provider_requests_total\{call="introspection",integration="dev",result="ok"\} (\d+)/.exec(
        (await h.get("/metrics")).text,
      )?.[1] ?? "0";
    try {
      const { access_token } = await provider.issueTokens("alice");
      expect((await c.post({ access_token, database: "retail_analytics" })).status).toBe(200);
      expect((await d.post({ access_token, database: "retail_analytics" })).status).toBe(200);
      expect(await introspections(c)).toBe("1");
      expect(await introspections(d)).toBe("0");
      expect((await d.get("/metrics")).text).toMatch(
        /ocient_sso_cache_hits_total\{cache="introspection",integration="dev"\} 1/,
      );
      const [key] = await raw.keys("cache-test:opaque:*");
      expect(key).toBeDefined();
      expect(await raw.pttl(key as string)).toBeLessThanOrEqual(60_000);
      for (const fragment of tokenFragments(access_token)) expect(key).not.toContain(fragment);
    } finally {
      await Promise.all([c.close(), d.close()]);
    }
  });

  it("answer 503 / -1220 with Retry-After for replay checks while Redis is down, and work again once it is back", async () => {
    await redis.kill();
    try {
      const { id_token } = await provider.issueTokens("alice");
      const response = await a.post({ id_token, database: "retail_analytics" });
      expect(response.status).toBe(503);
      expect(response.json?.status?.vendor_code).toBe(-1220);
      expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      expect((await a.get("/metrics")).text).toMatch(/ocient_sso_state_unavailable 1/);
      expect(a.logs.filter((l) => l.includes("shared state (Redis) unavailable"))).toHaveLength(1);
    } finally {
      await redis.start();
    }
    const { id_token } = await provider.issueTokens("alice");
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await a.post({ id_token, database: "retail_analytics" })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await a.get("/metrics")).text).toMatch(/ocient_sso_state_unavailable 0/);
  });
});
