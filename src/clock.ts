/**
 * Milliseconds since the epoch. Every cache, cooldown and backoff of the exchange reads the same
 * clock; the server's composition root passes `Date.now`, and tests pass one they freeze or move.
 */
export type Clock = () => number;
