/**
 * The service's Redis connection follows a failover that completes while it is asking the sentinels where
 * the master is. Real redis-server and redis-sentinel (test/support/redis-sentinel.ts); the sentinel the
 * connection asks first is paused (SIGSTOP: it accepts connections and never answers, like a host that
 * vanished), so after the master is killed each reconnection waits `timeout_ms` for it, and the other two
 * sentinels promote the replica during that wait. Their `+switch-master` then reaches the connection while
 * it resolves the master: ioredis 6.0.0's failover detector closed the connector at that moment, the
 * resolution failed with "Connection is closed." and the client ended for good (status `end`, no more
 * reconnections): 503 -1220 until a restart. Issue 22's failover test saw that in the parallel suite,
 * where a loaded event loop makes each resolution last long enough to be hit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSharedState, type SharedState } from "../../src/state/shared-state.js";
import type { RedisServer } from "../support/redis.js";
import { MASTER_NAME, type SentinelSetup, startSentinels } from "../support/redis-sentinel.js";

/** Longer than the sentinels take to promote the replica (down-after 1 s, then the election). */
const TIMEOUT_MS = 8_000;
const PAUSED = 2;

let setup: SentinelSetup;
let state: SharedState;
const events: string[] = [];
beforeAll(async () => {
  setup = await startSentinels();
  const sentinels = setup.sentinelPorts.map((port) => ({ host: "127.0.0.1", port }));
  state = await createSharedState(
    {
      // The paused one first: every reconnection starts with it (masterPort asks sentinel 0).
      sentinels: [sentinels[PAUSED], ...sentinels.filter((_, i) => i !== PAUSED)] as typeof sentinels,
      master_name: MASTER_NAME,
      username: "ocient-sso",
      password: setup.env.REDIS_PASSWORD,
      sentinel_password: setup.env.SENTINEL_PASSWORD,
      prefix: "ocient-sso:",
      timeout_ms: TIMEOUT_MS,
    },
    { unavailable: () => events.push("unavailable"), available: () => events.push("available") },
  );
  await state.ready();
}, 60_000);
afterAll(async () => {
  await state?.close();
  await setup?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Redis Sentinel: a failover while the connection asks a sentinel that does not answer", () => {
  it("reconnects to the promoted replica by itself and the shared state works again", async () => {
    const [first, replica] = setup.servers as [RedisServer, RedisServer];
    const client = state.redis?.client;
    expect(client?.status).toBe("ready");
    expect(await state.tables.replay.putIfAbsent("before", "1", 60_000)).toBe(true);

    setup.pauseSentinel(PAUSED);
    await first.kill();
    const statuses = new Set<string>();
    let promoted = false;
    let recovered = false;
    // Generous: the reconnection waits TIMEOUT_MS for the paused sentinel before asking the next one.
    for (const deadline = Date.now() + 6 * TIMEOUT_MS; Date.now() < deadline && !recovered; ) {
      statuses.add(client?.status ?? "none");
      promoted ||= (await setup.masterPort()) === replica.port;
      recovered =
        promoted && (await state.tables.replay.putIfAbsent("after", "1", 60_000).catch(() => false));
      if (!recovered) await sleep(100);
    }
    setup.resumeSentinel(PAUSED);

    // Before the fix: statuses include "end", the client stays there and no write succeeds again.
    expect({ promoted, recovered, ended: statuses.has("end") }).toEqual({
      promoted: true,
      recovered: true,
      ended: false,
    });
    // On the promoted replica: it holds what the old master had replicated and what was written since.
    expect(await state.tables.replay.putIfAbsent("before", "1", 60_000)).toBe(false);
    expect(await state.tables.replay.putIfAbsent("after", "1", 60_000)).toBe(false);
    expect(events).toEqual(["unavailable", "available"]);
  }, 120_000);
});
