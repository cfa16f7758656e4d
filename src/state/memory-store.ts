/**
 * The in-process StateStore: right for one process and for `npm start`. Memory is bounded, and a full
 * table never makes room by forgetting live entries (that would let anyone who can add an entry erase
 * someone else's: a used-token record, a rate counter, a sign-in in progress). When `maxEntries` live
 * entries are held, a new one is refused with StateFull (503, Retry-After until the soonest expiry), or,
 * for a counter table given an `overflowKey`, counted under that one shared key: newcomers share a
 * single budget, and the counters already held keep theirs.
 *
 * Expired entries are swept when the table is full, at most once per `sweepEveryMs`, so a flood against
 * a full table costs one scan a second, not one per request.
 */
import { StateFull } from "../errors.js";
import type { StateStore } from "./store.js";

interface Entry {
  value: string;
  /** Milliseconds since the epoch, by the store's clock. */
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch (default `Date.now`); tests move it. */
  now?: () => number;
  /** Most entries held at once (default 100,000). */
  maxEntries?: number;
  /** Counters only: when full, a new counter is counted under this key instead of being refused. */
  overflowKey?: string;
  /** What this table holds, for the refusal's reason (default "state"). */
  holds?: string;
  /** Least time between two sweeps of a full table (ms, default 1000). */
  sweepEveryMs?: number;
}

export class MemoryStore implements StateStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #overflowKey: string | undefined;
  readonly #holds: string;
  readonly #sweepEveryMs: number;
  #sweptAt = Number.NEGATIVE_INFINITY;
  /** The soonest expiry seen by the last sweep: when room is expected again. */
  #soonest = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new TypeError("options.maxEntries must be a positive integer");
    }
    this.#overflowKey = options.overflowKey;
    this.#holds = options.holds ?? "state";
    this.#sweepEveryMs = options.sweepEveryMs ?? 1000;
  }

  /** Entries held now, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.#set(key, value, ttlMs);
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#set(key, value, ttlMs);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.#live(key);
    this.#entries.delete(key);
    return entry?.value;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    let counted = key;
    let entry = this.#live(key);
    if (entry === undefined && this.#overflowKey !== undefined && !this.#hasRoom()) {
      counted = this.#overflowKey;
      entry = this.#live(counted);
    }
    if (entry === undefined) {
      // The overflow counter itself may always be created: it is one entry past the bound at most.
      this.#set(counted, "1", ttlMs, counted === this.#overflowKey && counted !== key);
      return 1;
    }
    const count = Number(entry.value) + 1;
    entry.value = String(count);
    return count;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #set(key: string, value: string, ttlMs: number, pastBound = false): void {
    if (!(ttlMs > 0)) throw new RangeError("ttlMs must be positive: every entry expires");
    const replaced = this.#entries.delete(key);
    if (!replaced && !pastBound && !this.#hasRoom()) {
      const wait = Math.max(1, Math.ceil((this.#soonest - this.#now()) / 1000));
      throw new StateFull(`too many ${this.#holds} are held; retry later`, wait);
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  /** Room for one more entry, after sweeping expired ones if the table is full and was not just swept. */
  #hasRoom(): boolean {
    if (this.#entries.size < this.#maxEntries) return true;
    const now = this.#now();
    if (now - this.#sweptAt < this.#sweepEveryMs) return false;
    this.#sweptAt = now;
    let soonest = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
      else soonest = Math.min(soonest, entry.expiresAt);
    }
    this.#soonest = soonest;
    return this.#entries.size < this.#maxEntries;
  }
}
