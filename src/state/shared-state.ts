/**
 * The one place that decides where state lives: in process memory without `state.redis`, in Redis with
 * it. Built once per process (a reload keeps it), shared by every runtime of that process.
 *
 * - `tables`: what every instance must agree on, by kind (used subject tokens, sign-in state, the locks
 *   of device polls, verify counters). With Redis each is Redis only, and fails with StateUnavailable
 *   (503 -1220) while Redis is down: never a guess from local memory. In memory each kind is its own
 *   bounded table (memory-bounds.ts), so filling one never touches another.
 * - `cache`: the opaque-token check cache. With Redis it falls back to process memory while Redis is down.
 * - `redis`: the connection for the rate limiter (rate-limiter.ts), which has its own in-memory insurance.
 */
import type { Redis } from "ioredis";
import type { RedisConfig } from "../config/schema.js";
import { FallbackStore } from "./fallback-store.js";
import { type MemoryBounds, memoryTables, type StateTables } from "./memory-bounds.js";
import { MemoryStore } from "./memory-store.js";
import { connectRedis } from "./redis-connection.js";
import { RedisHealth, type StateEvents } from "./redis-health.js";
import { RedisStore } from "./redis-store.js";
import { ReplicaAcks } from "./replica-acks.js";
import type { StateStore } from "./store.js";

export type { MemoryBounds, StateTables } from "./memory-bounds.js";
export type { StateEvents } from "./redis-health.js";

export interface SharedRedis {
  client: Redis;
  prefix: string;
  health: RedisHealth;
}

export interface SharedState {
  tables: StateTables;
  /** The opaque-token check cache shared by every instance (Redis, else process memory while it is down). */
  cache: StateStore | undefined;
  redis: SharedRedis | undefined;
  /** Resolves once Redis is connected, or after its timeout (the service starts while Redis is down). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves once `client` is connected, or after `timeoutMs` whatever its state. */
export function redisReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (client.status === "ready") return resolve();
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      client.off("ready", done);
      resolve();
    }
    client.once("ready", done);
  });
}

/** Replicas a write that needs agreement waits for: 1 behind sentinels (there is a replica to promote), else 0. */
export function replicasToAck(config: RedisConfig): number {
  return config.replicas_to_ack ?? (config.sentinels ? 1 : 0);
}

export async function createSharedState(
  config: RedisConfig | undefined,
  events: StateEvents = {},
  bounds?: Partial<MemoryBounds>,
): Promise<SharedState> {
  if (!config) {
    return {
      tables: memoryTables(bounds),
      // Without Redis each opaque-token checker keeps its own bounded map.
      cache: undefined,
      redis: undefined,
      ready: async () => {},
      close: async () => {},
    };
  }
  const client = await connectRedis(config);
  const health = new RedisHealth(client, events);
  const wanted = replicasToAck(config);
  // WAIT answers before the command timeout, so a replica that lags is a refusal, not a Redis failure.
  const acks = wanted > 0 ? new ReplicaAcks(client, wanted, Math.ceil(config.timeout_ms / 2)) : undefined;
  const agreement = new RedisStore(client, config.prefix, health, acks);
  const shared = new RedisStore(client, config.prefix, health);
  const cache = new FallbackStore(shared, new MemoryStore(), () => health.fellBack("cache"));
  return {
    // A failover must not undo a replay record or the taking of a sign-in code; a lost poll lock or
    // attempt counter refuses a sign-in at worst (replica-acks.ts).
    tables: { replay: agreement, signIn: agreement, locks: shared, counters: shared },
    cache,
    redis: { client, prefix: config.prefix, health },
    ready: () => redisReady(client, config.timeout_ms),
    async close() {
      health.stop();
      await Promise.race([
        client.quit().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, config.timeout_ms).unref()),
      ]);
      client.disconnect();
    },
  };
}
