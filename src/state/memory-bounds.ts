/**
 * Without `state.redis`, what protects (used subject tokens, rate counters) and what anyone may start
 * (sign-ins) live in separate in-memory tables, each with its own bound and overflow policy, so that no
 * request of one kind can push out an entry of another (memory-store.ts never evicts a live entry).
 *
 * - `replay`: one record per subject token exchanged under `replay: once`, kept until the token's `exp`
 *   plus leeway. Only a valid token (a trusted provider's signature, our audience, unexpired) makes a
 *   record, so the records held are at most the tokens exchanged within one token lifetime: with
 *   `server.rate_limit` of r per second and burst b per subject, at most (r × lifetime + b) per subject.
 *   Full: such exchanges answer 503 -1256 until records expire; nothing is forgotten, so no token is
 *   ever exchanged twice.
 * - `signIn`: pending browser sign-ins and device grants (anyone may start one). Full: new sign-ins
 *   answer 503 -1256 with Retry-After; those in progress are never dropped.
 * - `locks`: one per device grant being polled, never more than the grants: bounded like `signIn`.
 * - `counters`: device-verify attempts per client. Full: newcomers share one overflow counter; the
 *   counters already held (and their limits) stay.
 */
import { MemoryStore } from "./memory-store.js";
import type { StateStore } from "./store.js";

export interface StateTables {
  replay: StateStore;
  signIn: StateStore;
  locks: StateStore;
  counters: StateStore;
}

export interface MemoryBounds {
  /** Used-token records (`replay: once`) held at once (default 200,000; about 40 MB). */
  replay_records: number;
  /** Pending sign-ins, browser and device together (default 50,000; about 20 MB). */
  sign_ins: number;
  /** Device-verify counters, one per client address in its window (default 50,000). */
  counters: number;
}

export const DEFAULT_MEMORY_BOUNDS: Readonly<MemoryBounds> = {
  replay_records: 200_000,
  sign_ins: 50_000,
  counters: 50_000,
};

export function memoryTables(bounds: Partial<MemoryBounds> = {}): StateTables {
  const { replay_records, sign_ins, counters } = { ...DEFAULT_MEMORY_BOUNDS, ...bounds };
  return {
    replay: new MemoryStore({ maxEntries: replay_records, holds: "used subject tokens" }),
    signIn: new MemoryStore({ maxEntries: sign_ins, holds: "sign-ins in progress" }),
    locks: new MemoryStore({ maxEntries: sign_ins, holds: "device polls" }),
    counters: new MemoryStore({ maxEntries: counters, overflowKey: "overflow", holds: "counters" }),
  };
}
