/**
 * The StateStore shared by every instance, on Redis (ioredis). Keys carry the configured prefix, and
 * every key is written with an expiry in the same command (SET PX, SET NX PX; the counter's INCR and
 * PEXPIRE NX in one MULTI), so nothing outlives its time to live even if this process dies mid-way.
 * `take` is GETDEL (Redis ≥ 6.2): one caller of several gets the value.
 *
 * A failed, refused or timed-out command throws StateUnavailable and is never retried here: a retried
 * SET NX whose first reply was lost would tell the first writer that someone else came first.
 */
import type { Redis } from "ioredis";
import { StateUnavailable } from "../errors.js";
import type { RedisHealth } from "./redis-health.js";
import type { StateStore } from "./store.js";

export class RedisStore implements StateStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly health?: RedisHealth,
  ) {}

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const px = checkTtl(ttlMs);
    await this.#run(() => this.client.set(this.prefix + key, value, "PX", px));
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = checkTtl(ttlMs);
    const reply = await this.#run(() => this.client.set(this.prefix + key, value, "PX", px, "NX"));
    return reply === "OK";
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#run(() => this.client.get(this.prefix + key))) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    return (await this.#run(() => this.client.getdel(this.prefix + key))) ?? undefined;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const px = checkTtl(ttlMs);
    const k = this.prefix + key;
    const replies = await this.#run(() => this.client.multi().incr(k).pexpire(k, px, "NX").exec());
    const [incr] = replies ?? [];
    if (!incr || incr[0] || typeof incr[1] !== "number") {
      throw new StateUnavailable("the shared state refused a counter", { cause: incr?.[0] ?? undefined });
    }
    return incr[1];
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    if (this.health && !this.health.usable) {
      throw new StateUnavailable("the shared state (Redis) is unavailable");
    }
    try {
      const result = await command();
      this.health?.succeeded();
      return result;
    } catch (err) {
      this.health?.failed(err as Error);
      throw new StateUnavailable("the shared state (Redis) is unavailable", { cause: err });
    }
  }
}

function checkTtl(ttlMs: number): number {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
    throw new RangeError("ttlMs must be positive: every entry expires");
  return Math.ceil(ttlMs);
}
