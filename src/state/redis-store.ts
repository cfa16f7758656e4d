/**
 * The StateStore shared by every instance, on Redis (ioredis). Keys carry the configured prefix, and
 * every key is written with an expiry in the same command (SET PX, SET NX PX; the counter's INCR and
 * PEXPIRE NX in one MULTI), so nothing outlives its time to live even if this process dies mid-way.
 * `take` is GETDEL (Redis ≥ 6.2): one caller of several gets the value.
 *
 * A failed, refused or timed-out command throws StateUnavailable and is never retried here: a retried
 * SET NX whose first reply was lost would tell the first writer that someone else came first.
 *
 * With `acks` (replica-acks.ts), what a failover must not undo, a first `putIfAbsent` and a `take` that
 * found its value, counts only once the replicas hold it; `put` and `increment` (pending sign-in state,
 * attempt counters) are not worth a wait: their loss refuses a sign-in, never repeats one.
 */
import type { Redis } from "ioredis";
import { StateUnavailable } from "../errors.js";
import type { RedisHealth } from "./redis-health.js";
import type { ReplicaAcks } from "./replica-acks.js";
import type { StateStore } from "./store.js";

export class RedisStore implements StateStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly health?: RedisHealth,
    private readonly acks?: ReplicaAcks,
  ) {}

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const px = checkTtl(ttlMs);
    await this.#run(() => this.client.set(this.prefix + key, value, "PX", px));
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = checkTtl(ttlMs);
    const reply = await this.#run(() => this.client.set(this.prefix + key, value, "PX", px, "NX"));
    if (reply !== "OK") return false;
    await this.#replicated();
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#run(() => this.client.get(this.prefix + key))) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    const value = (await this.#run(() => this.client.getdel(this.prefix + key))) ?? undefined;
    if (value !== undefined) await this.#replicated();
    return value;
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

  /** Redis answers, so the shared state stays usable for the rest; only this write does not count. */
  async #replicated(): Promise<void> {
    const acks = this.acks;
    if (acks && !(await this.#run(() => acks.confirm()))) {
      throw new StateUnavailable("the shared state (Redis) did not replicate the write in time");
    }
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
