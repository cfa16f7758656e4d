/**
 * Whether the shared Redis answers, decided from the connection's events and from the outcome of every
 * command. A failure opens a short circuit: for `cooldownMs` no command is sent, so a Redis that hangs
 * costs one timeout, not one per request; then commands are tried again. Each change is reported once
 * (the log line and the metric), never once per request.
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

  constructor(
    client: Redis,
    private readonly events: StateEvents = {},
    private readonly cooldownMs = 1000,
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
  }

  failed(err: Error): void {
    if (this.#stopped) return;
    this.#closedUntil = Date.now() + this.cooldownMs;
    if (!this.#up) return;
    this.#up = false;
    // The error's name and message only: ioredis messages name host and port, never the password.
    this.events.unavailable?.(`${err.name}: ${err.message}`.slice(0, 200));
  }

  succeeded(): void {
    this.#closedUntil = 0;
    if (this.#up) return;
    this.#up = true;
    this.events.available?.();
  }

  fellBack(use: "cache" | "rate_limit"): void {
    this.events.fallback?.(use);
  }
}
