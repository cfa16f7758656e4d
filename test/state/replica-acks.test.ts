/**
 * What must survive a failover (a first putIfAbsent, a take that found its value) counts only once the
 * connected replicas hold it (WAIT): a real master and replica; the replica paused (SIGSTOP) holds nothing
 * new, so such writes are refused (503 -1220 upstream) rather than counted; a master without replicas has
 * nothing to fail over to and is not waited on, nor is a replica still loading its copy (slowed by Redis's
 * `key-load-delay`) until it acknowledges.
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

describe("a replica loading its copy", () => {
  it("is not waited for until it acknowledges, then it is again", async () => {
    // A master whose only replica is new, as the old master just demoted after a failover: it is sent the
    // data set and must load it. 4,000 keys at a millisecond each (key-load-delay) take four seconds or
    // more, during which the master already lists it online (ROLE) but it acknowledges nothing (offset 0).
    // The transfer starts at once instead of after the default 5 s wait for more replicas.
    const own = await startRedis({ args: ["--repl-diskless-sync-delay", "0"] });
    const admin = new Redis(own.url);
    const onOwn = await connectRedis({ url: own.url, prefix: "acks:", timeout_ms: 400 });
    const ownStore = new RedisStore(onOwn, "acks:", new RedisHealth(onOwn), new ReplicaAcks(onOwn, 1, 200));
    const role = async () => ((await admin.role()) as [string, number, [string, string, string][]])[2];
    let loading: RedisServer | undefined;
    try {
      await redisReady(onOwn, 5_000);
      // Counted at once: no replica yet. The count is then trusted for a second.
      expect(await ownStore.putIfAbsent("replay:before", "1", 60_000)).toBe(true);
      const filler = admin.pipeline();
      for (let i = 0; i < 4_000; i++) filler.set(`filler:${i}`, "x".repeat(32));
      await filler.exec();
      // Made a replica once it answers, as the sentinels demote a restarted master (a server started as a
      // replica would not answer PING before its copy is loaded).
      loading = await startRedis({ args: ["--key-load-delay", "1000"] });
      const demote = new Redis(loading.url);
      await demote.replicaof("127.0.0.1", String(own.port)).finally(() => demote.disconnect());
      for (let i = 0; i < 400 && (await role()).length === 0; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect((await role()).map(([, port, acked]) => [Number(port), acked])).toEqual([[loading.port, "0"]]);
      // The count of replicas the store read last (none) is too old to be used now.
      await new Promise((r) => setTimeout(r, 1_100));

      const started = Date.now();
      const claims = [];
      for (let i = 0; i < 5; i++) claims.push(await ownStore.putIfAbsent(`replay:loading-${i}`, "1", 60_000));
      const spent = Date.now() - started;
      // All counted, not refused; at most the first waited (WAIT's 200 ms) before the replica was known
      // to be loading. The copy was still loading when the last was counted.
      expect(claims).toEqual(Array(5).fill(true));
      expect(spent).toBeLessThan(5 * 200);
      expect((await role()).map(([, , acked]) => acked)).toEqual(["0"]);

      // Loaded and acknowledging: waited for again, so a claim counts once it holds it, and a silent
      // replica is a refusal again.
      const onLoaded = new Redis(loading.url);
      try {
        for (let i = 0; i < 400 && (await onLoaded.role())[3] !== "connected"; i++)
          await new Promise((r) => setTimeout(r, 25));
        for (let i = 0; i < 200 && (await role())[0]?.[2] === "0"; i++)
          await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, 1_100));
        expect(await ownStore.putIfAbsent("replay:loaded", "1", 60_000)).toBe(true);
        expect(await onLoaded.get("acks:replay:loaded")).toBe("1");
        for (let i = 0; i < 5; i++) expect(await onLoaded.get(`acks:replay:loading-${i}`)).toBe("1");
      } finally {
        onLoaded.disconnect();
      }
      loading.pause();
      try {
        await expect(ownStore.putIfAbsent("replay:silent", "1", 60_000)).rejects.toBeInstanceOf(
          StateUnavailable,
        );
      } finally {
        loading.resume();
      }
    } finally {
      admin.disconnect();
      onOwn.disconnect();
      await Promise.all([loading?.close(), own.close()]);
    }
  }, 30_000);
});
