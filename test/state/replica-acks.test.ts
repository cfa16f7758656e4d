/**
 * What must survive a failover (a first putIfAbsent, a take that found its value) counts only once the
 * connected replicas hold it (WAIT): a real master and replica; the replica paused (SIGSTOP) holds nothing
 * new, so such writes are refused (503 -1220 upstream) rather than counted; a master without replicas has
 * nothing to fail over to and is not waited on.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateUnavailable } from "../../src/errors.js";
import { connectRedis } from "../../src/state/redis-connection.js";
import { RedisHealth } from "../../src/state/redis-health.js";
import { RedisStore } from "../../src/state/redis-store.js";
import { ReplicaAcks } from "../../src/state/replica-acks.js";
import { redisReady } from "../../src/state/shared-state.js";
import { type RedisServer, startRedis } from "../support/redis.js";

let master: RedisServer;
let replica: RedisServer;
let client: Redis;
let onReplica: Redis;
let health: RedisHealth;
let store: RedisStore;

async function linked(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const role = (await onReplica.role()) as unknown[];
    // Linked on both sides: the replica says so, and the master lists it (ROLE), as ReplicaAcks reads it.
    const onMaster = (await client.role()) as unknown[];
    if (role[3] === "connected" && Array.isArray(onMaster[2]) && onMaster[2].length === 1) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the replica did not link to the master");
}

beforeAll(async () => {
  master = await startRedis();
  replica = await startRedis({ args: ["--replicaof", "127.0.0.1", String(master.port)] });
  client = await connectRedis({ url: master.url, prefix: "acks:", timeout_ms: 400 });
  await redisReady(client, 5_000);
  onReplica = new Redis(replica.url);
  health = new RedisHealth(client);
  store = new RedisStore(client, "acks:", health, new ReplicaAcks(client, 1, 200));
  await linked();
}, 30_000);
afterAll(async () => {
  client?.disconnect();
  onReplica?.disconnect();
  await Promise.all([master?.close(), replica?.close()]);
});

describe("writes that need agreement wait for the replicas", () => {
  it("counts a replay record and a take once the replica holds them", async () => {
    expect(await store.putIfAbsent("replay:a", "1", 60_000)).toBe(true);
    // Already on the replica when putIfAbsent resolved: what the sentinels would promote has it.
    expect(await onReplica.get("acks:replay:a")).toBe("1");
    expect(await store.take("replay:a")).toBe("1");
    expect(await onReplica.get("acks:replay:a")).toBeNull();
  });

  it("shares one WAIT among the claims of a busy moment", async () => {
    const admin = new Redis(master.url);
    try {
      await admin.config("RESETSTAT");
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.putIfAbsent(`replay:many-${i}`, "1", 60_000)),
      );
      expect(claims).toEqual(Array(20).fill(true));
      for (let i = 0; i < 20; i++) expect(await onReplica.get(`acks:replay:many-${i}`)).toBe("1");
      const waits = /cmdstat_wait:calls=(\d+)/.exec(await admin.info("commandstats"))?.[1];
      expect(Number(waits)).toBeGreaterThan(0);
      expect(Number(waits)).toBeLessThan(20);
    } finally {
      admin.disconnect();
    }
  });

  it("refuses them while the replica does not acknowledge, keeping Redis usable for the rest", async () => {
    await store.put("code:b", "v", 60_000);
    replica.pause();
    try {
      await expect(store.putIfAbsent("replay:b", "1", 60_000)).rejects.toBeInstanceOf(StateUnavailable);
      await expect(store.take("code:b")).rejects.toBeInstanceOf(StateUnavailable);
      // Neither is retried as a first write: the record stays, so the token stays used.
      expect(await store.putIfAbsent("replay:b", "1", 60_000)).toBe(false);
      // Pending state and counters do not wait: losing them refuses a sign-in, never repeats one.
      await store.put("code:c", "v", 60_000);
      expect(await store.increment("count:c", 60_000)).toBe(1);
      expect(health.usable).toBe(true);
    } finally {
      replica.resume();
    }
    await linked();
    expect(await store.putIfAbsent("replay:c", "1", 60_000)).toBe(true);
  });

  it("does not wait on a master left without replicas (nothing a failover could promote)", async () => {
    onReplica.disconnect();
    await replica.kill();
    // The master notices the lost link at once; the count of replicas is read again within a second.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await store.putIfAbsent("replay:d", "1", 60_000)).toBe(true);
    expect(await store.take("replay:d")).toBe("1");
  });
});
