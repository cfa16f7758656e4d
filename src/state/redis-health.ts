/**
 * Whether the shared Redis answers, decided from the connection's events and from the outcome of every
 * command. A failure opens a short circuit: for `cooldownMs` no command is sent, so a Redis that hangs
 * costs one timeout, not one per request; then commands are tried again. Each change is reported once
 * (the log line and the metric), never once per request.
 *
 * While down, a PING every `probeMs` asks whether Redis answers again: the traffic may never touch a
 * command that reports success (the rate limiter answers through its own fallback, and an idle service
 * sends nothing), and a Redis that hung and resumed keeps its connection, so no `ready` event comes.
 */
import type { Redis } from "ioredis";

export interface StateEvents {
  /** Redis stopped answering: caches and rate limits use process memory, agreement answers 503. */
  unavailable?(reason: string): void;
  /** Redis answers again. */
  available?(): void;
  /** A cache or rate-limit operation was served from process memory instead of Redis. */
  fallback?(use: "cache" | "rate_limit"): void;
}

export class RedisHealth {
  #up = true;
  #closedUntil = 0;
  #stopped = false;
  #probe: NodeJS.Timeout | undefined;
  #probing = false;

  constructor(
    client: Redis,
    private readonly events: StateEvents = {},
    private readonly cooldownMs = 1000,
    private readonly probeMs = 250,
  ) {
    // Without a listener, ioredis prints every reconnection error to the console.
    client.on("error", (err: Error) => this.failed(err));
    client.on("close", () => this.failed(new Error("connection closed")));
    client.on("ready", () => this.succeeded());
    this.#client = client;
  }

  readonly #client: Redis;

  /** True when a command may be sent now: connected and no recent failure. */
  get usable(): boolean {
    return this.#client.status === "ready" && Date.now() >= this.#closedUntil;
  }

  /** Connected, but a command failed a moment ago (timed out): Redis hangs rather than refuses. */
  get hanging(): boolean {
    return this.#client.status === "ready" && Date.now() < this.#closedUntil;
  }

  get up(): boolean {
    return this.#up;
  }

  /** The service is stopping and closes the connection on purpose: not an outage to report. */
  stop(): void {
    this.#stopped = true;
    this.#stopProbing();
  }

  failed(err: Error): void {
    if (this.#stopped) return;
    this.#closedUntil = Date.now() + this.cooldownMs;
    if (!this.#up) return;
    this.#up = false;
    this.#probe = setInterval(() => void this.#ping(), this.probeMs).unref();
    // The error's name and message only: ioredis messages name host and port, never the password.
    this.events.unavailable?.(`${err.name}: ${err.message}`.slice(0, 200));
  }

  succeeded(): void {
    this.#closedUntil = 0;
    if (this.#up) return;
    this.#up = true;
    this.#stopProbing();
    this.events.available?.();
  }

  /** One PING at a time, and only on a connection (reconnecting is ioredis's own business). */
  async #ping(): Promise<void> {
    if (this.#probing || this.#client.status !== "ready") return;
    this.#probing = true;
    try {
      await this.#client.ping();
      this.succeeded();
    } catch (err) {
      this.failed(err as Error);
    } finally {
      this.#probing = false;
    }
  }

  #stopProbing(): void {
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  fellBack(use: "cache" | "rate_limit"): void {
    this.events.fallback?.(use);
  }
}
