/**
 * Redis Sentinel under load: a master, a replica and three sentinels (test/support/redis-sentinel.ts),
 * two instances behind nginx with `replay: once` and rate limits in Redis, the service as an ACL user.
 * The master is killed (SIGKILL): the service answers 503 -1220 only while no master is known, resumes on
 * the promoted replica by itself, and mints no token twice. Then the killed master is started again: it is
 * a master of its own for a moment before the sentinels demote it, and the service never writes to it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, mixedLoad, startCluster } from "../support/cluster.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";
import type { RedisServer } from "../support/redis.js";
import { type SentinelSetup, startSentinels } from "../support/redis-sentinel.js";

let provider: EmbeddedProvider;
let setup: SentinelSetup;
let cluster: Cluster;
beforeAll(async () => {
  [provider, setup] = await Promise.all([startEmbeddedProvider(), startSentinels()]);
  cluster = await startCluster({
    provider,
    size: 2,
    // A second per command: the test process runs the provider, both instances and the load at once.
    redis: { settings: { ...setup.settings, timeout_ms: 1000 } },
    env: setup.env,
    prefix: "ocient-sso:",
    dev: { replay: "once" },
    // High enough never to refuse this load nor the replay of every minted token afterwards (a fast
    // machine mints well over 1,000, all for one subject), so every request takes the limit through
    // Redis (or memory) and no answer is a 429.
    server: { rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 } },
  });
}, 60_000);
afterAll(async () => {
  await cluster?.close();
  await Promise.all([provider?.close(), setup?.close()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it is true; the time it became true. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return Date.now();
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe("Redis Sentinel: the master killed under load, then started again", () => {
  it("answers 503 -1220 only while no master is known, resumes on the replica, mints nothing twice", async () => {
    const [first, replica] = setup.servers as [RedisServer, RedisServer];
    const start = Date.now();
    const at = () => Date.now() - start;
    const mintedAt = new Map<string, string[]>();
    const unavailable: Array<{ sent: number; answered: number }> = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const times: Record<string, number> = {};
    let firstMintAfterKill: number | undefined;
    let serviceClientsOnOldMaster = 0;

    const faults = (async () => {
      await sleep(2_000);
      times.killed = at();
      await first.kill();
      times.promoted =
        (await until(async () => (await setup.masterPort()) === replica.port, 30_000, "failover")) - start;
      await sleep(2_000);
      // Started again without its data (no persistence): a master of its own until the sentinels demote it.
      await first.start();
      times.restarted = at();
      const demoted = until(async () => (await setup.roleOf(first)) === "slave", 30_000, "demotion");
      // While it is a master, no instance of the service may be connected to it.
      for (let still = true; still; ) {
        const role = await setup.roleOf(first);
        still = role !== "slave";
        if (role === "master") {
          const names = await setup.clientNames(first).catch(() => []);
          serviceClientsOnOldMaster += names.filter((n) => n === "ocient-sso").length;
        }
        await sleep(20);
      }
      times.demoted = (await demoted) - start;
      // The demoted master syncs from the new one while the load goes on.
      await sleep(3_000);
      stopAt = at();
    })();

    const load = mixedLoad({
      cluster,
      provider,
      at,
      running: () => at() < stopAt,
      onAnswer({ id_token, replay, sent, key, response }) {
        if (response.status === 200) {
          mintedAt.set(id_token, [...(mintedAt.get(id_token) ?? []), `${sent}-${at()}${replay ? "r" : ""}`]);
          if (times.killed !== undefined && sent > times.killed && firstMintAfterKill === undefined)
            firstMintAfterKill = at();
        } else if (response.status === 401) {
          if (!replay || response.json?.status?.vendor_code !== -1235)
            return `refused: ${key} (replay ${replay})`;
        } else if (response.status === 503) {
          unavailable.push({ sent, answered: at() });
        }
        return undefined;
      },
    });
    const [{ requests, byStatus, mintedBy, unexpected }] = await Promise.all([load, faults]);

    // Every token minted, before the failover or after it, is known on the promoted master: a replay of
    // any of them is refused, so none can be minted again.
    const minted = [...mintedBy.keys()];
    const replays = [];
    for (let i = 0; i < minted.length; i += 16) {
      const batch = minted.slice(i, i + 16);
      replays.push(
        ...(await Promise.all(
          batch.map((id_token) => cluster.post({ id_token, database: "retail_analytics" })),
        )),
      );
    }
    const replayAnswers = new Map<string, number>();
    const againAt: string[] = [];
    for (const [i, r] of replays.entries()) {
      if (r.status === 200) againAt.push(String(mintedAt.get(minted[i] as string)));
      const key = `${r.status} ${r.json?.status?.vendor_code ?? 0}`;
      replayAnswers.set(key, (replayAnswers.get(key) ?? 0) + 1);
    }

    const mintedTwice = [...mintedBy.values()].filter((count) => count > 1).length;
    const recoverMs = firstMintAfterKill === undefined ? undefined : firstMintAfterKill - (times.killed ?? 0);
    const lastUnavailable = Math.max(0, ...unavailable.map((u) => u.answered));
    process.stdout.write(
      `sentinel failover: ${requests} requests, answers ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}, ` +
        `minted ${minted.length}, minted twice ${mintedTwice}; at ms: ${JSON.stringify(times)}; ` +
        `first token minted ${recoverMs} ms after the kill (${(firstMintAfterKill ?? 0) - (times.promoted ?? 0)} ms after the sentinels named the new master); ` +
        `last 503 answered at ${lastUnavailable} ms; service connections seen on the restarted master ${serviceClientsOnOldMaster}; ` +
        `all minted replayed afterwards: ${JSON.stringify(Object.fromEntries(replayAnswers))}\n`,
    );
    // When a token was minted twice, when (ms sent-answered, r for a replay), to tell which record was lost.
    const twice = [...mintedAt.values()].filter((v) => v.length > 1);
    if (twice.length + againAt.length > 0) {
      process.stdout.write(
        `minted twice: ${JSON.stringify(twice)}; minted again afterwards: ${JSON.stringify(againAt)}\n`,
      );
    }

    expect(unexpected).toEqual([]);
    expect(mintedTwice).toBe(0);
    expect(Object.fromEntries(replayAnswers)).toEqual({ "401 -1235": minted.length });
    expect(serviceClientsOnOldMaster).toBe(0);
    expect(byStatus.get("200 0") ?? 0).toBeGreaterThan(0);
    expect(recoverMs).toBeDefined();
    // 503 only while no master is known: sent after the kill, and none once the service resumed on the
    // promoted replica. Each instance learns of the new master on its own next reconnection, at most a
    // second apart (retryStrategy in src/state/redis-connection.ts), so the other instance may answer 503
    // for up to that second after the first token minted after the kill (seen: 33 ms in one CI run).
    const reconnectSpreadMs = 1_000;
    for (const u of unavailable) {
      expect(u.sent).toBeGreaterThanOrEqual((times.killed ?? 0) - 1_000);
      expect(u.answered).toBeLessThanOrEqual((firstMintAfterKill ?? 0) + reconnectSpreadMs);
    }
    for (const h of cluster.instances) {
      expect((await h.get("/metrics")).text).toMatch(/ocient_sso_state_unavailable 0/);
    }
  }, 120_000);
});
