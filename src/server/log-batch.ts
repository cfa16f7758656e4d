/**
 * Log lines written once per turn of the event loop instead of once each. Under load a turn answers
 * several requests, and each synchronous write is a system call: on the benchmark's machine a request
 * log line cost about 14 µs, 8 of them in its write. The lines of one turn are joined and handed to the
 * sink in one write at the end of the turn (setImmediate), in the order they were logged.
 *
 * The request log holds each answer until its line is written (`linesWritten`), so the audit record of a
 * minted token is with the kernel before the token leaves, as it was with a write per line. Lines not
 * tied to an answer (a reload, Redis going away) wait at most until the end of the turn; the process
 * writes what is waiting when it exits, also of an uncaught exception, and only a SIGKILL (or a crash
 * of Node itself) within that turn can lose them.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export class TurnBatch implements DestinationStream {
  readonly #sink: DestinationStream;
  #lines: string[] = [];
  #written: Promise<void> | undefined;
  #resolve: (() => void) | undefined;
  readonly #flush = () => this.flush();

  constructor(sink: DestinationStream) {
    this.#sink = sink;
  }

  write(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length === 1) setImmediate(this.#flush);
  }

  /** Resolves once every line logged so far is with the sink; undefined when none waits. */
  written(): Promise<void> | undefined {
    if (this.#lines.length === 0) return undefined;
    this.#written ??= new Promise((resolve) => {
      this.#resolve = resolve;
    });
    return this.#written;
  }

  /** Hands what waits to the sink now, in one write. */
  flush(): void {
    const lines = this.#lines;
    if (lines.length === 0) return;
    this.#lines = [];
    const resolve = this.#resolve;
    this.#written = undefined;
    this.#resolve = undefined;
    try {
      this.#sink.write(lines.length === 1 ? (lines[0] as string) : lines.join(""));
    } finally {
      // A sink that failed has said so its own way (pino's destination drops a closed pipe); an answer
      // never waits on it.
      resolve?.();
    }
  }

  /**
   * Writes what waits when the process ends: Node emits `exit` for process.exit(), the end of the event
   * loop and an uncaught exception alike.
   */
  flushAtExit(): void {
    process.on("exit", this.#flush);
  }
}

/** A logger's line-written hook: its TurnBatch's, or none when it writes each line at once. */
export function linesWritten(logger: Logger): (() => Promise<void> | undefined) | undefined {
  const stream: unknown = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return stream instanceof TurnBatch ? () => stream.written() : undefined;
}
