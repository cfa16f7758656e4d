/**
 * For caches only: the shared store while it answers, process memory while it does not. A cache may
 * forget or be per-process for a while; what needs agreement never goes through this (it uses the shared
 * store directly and answers 503 when Redis is down).
 */
import { StateUnavailable } from "../errors.js";
import type { StateStore } from "./store.js";

export class FallbackStore implements StateStore {
  constructor(
    private readonly shared: StateStore,
    private readonly local: StateStore,
    private readonly onFallback: () => void = () => {},
  ) {}

  put(key: string, value: string, ttlMs: number): Promise<void> {
    return this.#either((s) => s.put(key, value, ttlMs));
  }

  putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#either((s) => s.putIfAbsent(key, value, ttlMs));
  }

  get(key: string): Promise<string | undefined> {
    return this.#either((s) => s.get(key));
  }

  take(key: string): Promise<string | undefined> {
    return this.#either((s) => s.take(key));
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return this.#either((s) => s.increment(key, ttlMs));
  }

  async #either<T>(op: (store: StateStore) => Promise<T>): Promise<T> {
    try {
      return await op(this.shared);
    } catch (err) {
      if (!(err instanceof StateUnavailable)) throw err;
      this.onFallback();
      return op(this.local);
    }
  }
}
