/**
 * Replication is asynchronous: a write the master acknowledged just before it died can be missing on the
 * replica the sentinels promote. What must never be undone by a failover (a replay record, the taking of a
 * one-time code) counts only once `WAIT` says enough replicas hold it; otherwise it answers 503 -1220.
 *
 * As many replicas as wanted, but no more than the master has connected (ROLE, read at most once a
 * second): a master left without replicas, such as a promoted replica whose old master is still down,
 * has nothing a failover could promote, so waiting for a replica there would stop the service without
 * protecting anything. A replica still loading the copy of the data set it was sent is not waited for
 * either, as one still being sent it is not: the master lists it online from the end of the transfer, but
 * it acknowledges nothing until its copy is loaded (seconds for a large data set). docs/redis-sentinel.md
 * weighs this against `min-replicas-to-write`.
 */
import type { Redis } from "ioredis";

/** How long the number of connected replicas is trusted. */
const ROLE_MAX_AGE_MS = 1000;

/** A replica as the master's ROLE lists it: host, port, and the offset it last acknowledged. */
type Listed = [host: string, port: string, acked: string];

const nameOf = ([host, port]: Listed) => `${host}:${port}`;
/** Acknowledged nothing since it connected: 0 until its first REPLCONF ACK, which follows its load. */
const silent = (replica: Listed) => Number(replica[2]) === 0;

export class ReplicaAcks {
  #connected = 0;
  /** Replicas that let a WAIT pass while silent since they connected: loading their copy, not waited for. */
  #loading = new Set<string>();
  #listed: Listed[] = [];
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
      .then(async (acked) => {
        if (acked >= expected) return true;
        // A replica went away, lags, or is still loading its copy: look again now. Only the replicas that
        // have acknowledged the master's stream since they connected could have held the write.
        await this.#checkRole();
        for (const replica of this.#listed) if (silent(replica)) this.#loading.add(nameOf(replica));
        this.#recount();
        // Looked at again next time, so a replica that lags is waited for as soon as it answers.
        this.#checkedAt = Number.NEGATIVE_INFINITY;
        return acked >= Math.min(this.wanted, this.#connected);
      })
      .finally(() => {
        this.#waiting = undefined;
      });
    return this.#waiting;
  }

  /** The replicas waited for: those listed, but the ones known to be loading their copy. */
  #recount(): void {
    this.#connected = this.#listed.filter((r) => !(silent(r) && this.#loading.has(nameOf(r)))).length;
  }

  #checkRole(): Promise<void> {
    this.#checking ??= this.client
      .role()
      .then((role) => {
        // ["master", offset, [[host, port, offset], ...]] (online replicas only); a replica has none.
        this.#listed = role[0] === "master" && Array.isArray(role[2]) ? (role[2] as Listed[]) : [];
        // A replica known to be loading stays out until it acknowledges; then it is waited for again.
        const stillSilent = new Set(this.#listed.filter(silent).map(nameOf));
        this.#loading = new Set([...this.#loading].filter((name) => stillSilent.has(name)));
        this.#recount();
        this.#checkedAt = Date.now();
      })
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }
}
