/**
 * Redis killed for a few seconds under load, three instances behind nginx. Caches and rate limits fall
 * back to process memory; what needs agreement (here: replay: once) answers 503 -1220; once Redis is back
 * (restarted from its append-only file) nothing is minted twice, nothing Redis kept is lost, and no
 * instance is restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, mixedLoad, startCluster } from "../support/cluster.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let provider: EmbeddedProvider;
let redis: RedisServer;
let cluster: Cluster;
beforeAll(async () => {
  [provider, redis] = await Promise.all([startEmbeddedProvider(), startRedis({ appendonly: true })]);
  cluster = await startCluster({
    provider,
    redis,
    dev: { replay: "once" },
    // High enough never to refuse this load, so every request takes the limit through Redis (or memory).
    server: { rate_limit: { requests_per_second: 1000, burst: 1000 } },
  });
});
afterAll(async () => {
  await cluster?.close();
  await Promise.all([provider?.close(), redis?.close()]);
});

const KILL_AT_MS = 2_000;
const RESTART_AT_MS = 5_000;
const RUN_MS = 9_000;

describe("Redis killed for three seconds under load", () => {
  it("falls back, refuses to guess, recovers by itself, and mints nothing twice", async () => {
    const start = Date.now();
    const at = () => Date.now() - start;
    const mintedBeforeKill: string[] = [];
    const refusedReplays: string[] = [];
    let firstMintAfterRestart: number | undefined;
    let freshMintedDuringOutage = 0;

    const faults = (async () => {
      await new Promise((r) => setTimeout(r, KILL_AT_MS));
      await redis.kill();
      await new Promise((r) => setTimeout(r, RESTART_AT_MS - at()));
      await redis.start();
    })();

    const load = mixedLoad({
      cluster,
      provider,
      at,
      running: () => at() < RUN_MS,
      onAnswer({ id_token, replay, sent, key, response }) {
        if (response.status === 200) {
          if (sent < KILL_AT_MS) mintedBeforeKill.push(id_token);
          if (sent > KILL_AT_MS + 500 && at() < RESTART_AT_MS) freshMintedDuringOutage++;
          if (sent >= RESTART_AT_MS && firstMintAfterRestart === undefined) firstMintAfterRestart = at();
        } else if (response.status === 401) {
          refusedReplays.push(id_token);
          if (!replay) return `fresh token refused: ${key}`;
        }
        return undefined;
      },
    });
    const [{ requests, byStatus, mintedBy, unexpected }] = await Promise.all([load, faults]);

    // Tokens exchanged before the outage are still known after it: replaying them is refused.
    const survivors = mintedBeforeKill.slice(0, 10);
    const afterwards = await Promise.all(
      survivors.map((id_token) => cluster.post({ id_token, database: "retail_analytics" })),
    );
    for (const r of afterwards) expect([r.status, r.json?.status?.vendor_code]).toEqual([401, -1235]);

    const mintedTwice = [...mintedBy.values()].filter((count) => count > 1).length;
    const recoverMs = firstMintAfterRestart === undefined ? undefined : firstMintAfterRestart - RESTART_AT_MS;
    const counts = Object.fromEntries([...byStatus].sort());
    process.stdout.write(
      `redis fault: ${requests} requests, answers ${JSON.stringify(counts)}, minted twice ${mintedTwice}, ` +
        `replays refused ${refusedReplays.length}, recovered ${recoverMs} ms after Redis restarted\n`,
    );

    expect(unexpected).toEqual([]);
    expect(mintedTwice).toBe(0);
    expect(freshMintedDuringOutage).toBe(0);
    expect(byStatus.get("503 -1220") ?? 0).toBeGreaterThan(0);
    expect(byStatus.get("200 0") ?? 0).toBeGreaterThan(0);
    expect(recoverMs).toBeDefined();
    expect(recoverMs as number).toBeLessThan(3_000);
    for (const h of cluster.instances) {
      const metrics = (await h.get("/metrics")).text;
      expect(metrics).toMatch(/ocient_sso_state_unavailable 0/);
      // Each instance said so once, and once that Redis was back.
      expect(h.logs.filter((l) => l.includes("shared state (Redis) unavailable"))).toHaveLength(1);
      expect(h.logs.filter((l) => l.includes("shared state (Redis) available again"))).toHaveLength(1);
      expect(h.logs.some((l) => JSON.parse(l).level >= 50 && !l.includes('"status":503'))).toBe(false);
    }
    const fallbacks = await Promise.all(cluster.instances.map(async (h) => (await h.get("/metrics")).text));
    expect(fallbacks.some((m) => /ocient_sso_state_fallback_total\{use="rate_limit"\} [1-9]/.test(m))).toBe(
      true,
    );
  }, 40_000);

  it("answers within the provider timeout while Redis hangs (SIGSTOP), and recovers when it wakes", async () => {
    const statuses = new Map<number, number>();
    let slowest = 0;
    const start = Date.now();
    redis.pause();
    try {
      const worker = async () => {
        while (Date.now() - start < 2_500) {
          const { id_token } = await provider.issueTokens("alice");
          const sent = Date.now();
          const response = await cluster.post({ id_token, database: "retail_analytics" });
          slowest = Math.max(slowest, Date.now() - sent);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 503) expect(response.json?.status?.vendor_code).toBe(-1220);
        }
      };
      await Promise.all([worker(), worker()]);
    } finally {
      redis.resume();
    }
    process.stdout.write(
      `redis hang: answers ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${slowest} ms\n`,
    );
    expect([...statuses.keys()].every((s) => s === 503 || s === 200)).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    // Bounded by state.redis.timeout_ms (300 ms here), well inside the providers' 3 s timeout.
    expect(slowest).toBeLessThan(3_000);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const { id_token } = await provider.issueTokens("alice");
      status = (await cluster.post({ id_token, database: "retail_analytics" })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  }, 30_000);
});
