/**
 * Replication is asynchronous: a write the master acknowledged just before it died can be missing on the
 * replica the sentinels promote. What must never be undone by a failover (a replay record, the taking of a
 * one-time code) counts only once `WAIT` says enough replicas hold it; otherwise it answers 503 -1220.
 *
 * As many replicas as wanted, but no more than the master has connected (ROLE, read at most once a
 * second): a master left without replicas, such as a promoted replica whose old master is still down,
 * has nothing a failover could promote, so waiting for a replica there would stop the service without
 * protecting anything. docs/redis-sentinel.md weighs this against `min-replicas-to-write`.
 */
import type { Redis } from "ioredis";

/** How long the number of connected replicas is trusted. */
const ROLE_MAX_AGE_MS = 1000;

export class ReplicaAcks {
  #connected = 0;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | undefined;
  #waiting: Promise<boolean> | undefined;

  constructor(
    private readonly client: Redis,
    private readonly wanted: number,
    /** WAIT's own timeout: below the command timeout, so a missing acknowledgement is a reply, not an error. */
    private readonly timeoutMs: number,
  ) {}

  /**
   * True once the writes this connection made so far are held by the replicas wanted. Called once the
   * write's reply is in: a WAIT still unanswered then was sent after the write (one connection answers
   * in order), so it covers the write too, and every claim of a busy moment shares one WAIT.
   */
  async confirm(): Promise<boolean> {
    if (Date.now() - this.#checkedAt >= ROLE_MAX_AGE_MS) await this.#checkRole();
    const expected = Math.min(this.wanted, this.#connected);
    if (expected === 0) return true;
    this.#waiting ??= this.client
      .wait(expected, this.timeoutMs)
      .then((acked) => {
        // A replica went away or lags: look again next time.
        if (acked < expected) this.#checkedAt = Number.NEGATIVE_INFINITY;
        return acked >= expected;
      })
      .finally(() => {
        this.#waiting = undefined;
      });
    return this.#waiting;
  }

  #checkRole(): Promise<void> {
    this.#checking ??= this.client
      .role()
      .then((role) => {
        // ["master", offset, [[host, port, offset], ...]]; anything else (a replica) has none of its own.
        this.#connected = role[0] === "master" && Array.isArray(role[2]) ? role[2].length : 0;
        this.#checkedAt = Date.now();
      })
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }
}
