/**
 * The state several instances must agree on (device codes, browser sign-in state, used subject tokens,
 * counters) lives behind this one small interface. In process memory by default (memory-store.ts); a
 * shared implementation (Redis) makes every instance see the same state.
 *
 * Every entry expires: there is no way to store something forever. Keys are namespaced by the caller
 * (`device:`, `browser:`, …); implementations add their own prefix. Values are strings, so an
 * implementation never holds a live object another instance could not see.
 */
export interface StateStore {
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing what was there. */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores `value` only when `key` holds nothing; true when it was stored (the first writer wins). */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** The value under `key`, if any and not expired; the entry stays. */
  get(key: string): Promise<string | undefined>;
  /** Removes and returns the value under `key`: of several callers at once, at most one gets it. */
  take(key: string): Promise<string | undefined>;
  /**
   * Adds one to the counter under `key` and returns its new value. A counter that did not exist starts
   * at 1 and expires `ttlMs` after that first increment (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<number>;
}

/** A JSON entry read back from a store; `undefined` when absent or not JSON (a damaged entry is no entry). */
export function parseEntry<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
