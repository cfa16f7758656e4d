/**
 * The test clocks. `FIXED_MS` is a whole second near the time the test file started: tests where time
 * matters freeze the service's clock (and the fake providers') there, so token times are exact.
 */
import type { Clock } from "../../src/clock.js";

export const FIXED_MS = Math.floor(Date.now() / 1000) * 1000;
/** `FIXED_MS` in seconds, as token claims write time. */
export const FIXED_S = FIXED_MS / 1000;

export interface MovableClock {
  now: Clock;
  /** Moves the clock forward; nothing else ever moves it. */
  advance(ms: number): void;
}

/** A clock that stands still until the test moves it, for caches, cooldowns and backoffs. */
export function movableClock(startMs = FIXED_MS): MovableClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
