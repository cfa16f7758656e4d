/**
 * The in-process StateStore: right for one process and for `npm start`. Memory is bounded: expired
 * entries are swept as the table grows, and past `maxEntries` live ones the oldest are forgotten rather
 * than let an attacker grow the process.
 */
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
}

export class MemoryStore implements StateStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new TypeError("options.maxEntries must be a positive integer");
    }
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
    const entry = this.#live(key);
    if (entry === undefined) {
      this.#set(key, "1", ttlMs);
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

  #set(key: string, value: string, ttlMs: number): void {
    if (!(ttlMs > 0)) throw new RangeError("ttlMs must be positive: every entry expires");
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#sweep();
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
  }

  /** Drops expired entries; when everything is live, the oldest half (Map keeps insertion order). */
  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    if (this.#entries.size < this.#maxEntries) return;
    let drop = Math.ceil(this.#entries.size / 2);
    for (const key of this.#entries.keys()) {
      if (drop-- <= 0) break;
      this.#entries.delete(key);
    }
  }
}
