/**
 * What a command may touch of its process, passed in so tests can run commands in-process. Only
 * `main.ts` binds it to the real process.
 */
import { type DestinationStream, pino } from "pino";
import { TurnBatch } from "../server/log-batch.js";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Resolves with the first of these signals the process receives; `serve` and `dev` wait on it. */
  signals: SignalSource;
  /**
   * Where log lines go when not to `stdout()`: the real process writes them to file descriptor 1
   * directly (pino's synchronous destination), skipping the stream machinery of `process.stdout`, in
   * one write per turn of the event loop (log-batch.ts).
   */
  logDestination?: () => DestinationStream;
}

export type SignalName = "SIGTERM" | "SIGINT" | "SIGHUP";

export interface SignalSource {
  on(signal: SignalName, listener: () => void): void;
  off(signal: SignalName, listener: () => void): void;
}

export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: process.stdin,
    env: process.env,
    signals: process,
    logDestination: () => {
      const batch = new TurnBatch(pino.destination({ dest: 1, sync: true }));
      batch.flushAtExit();
      return batch;
    },
  };
}

/** The log destination of `io`: its own, or its `stdout()`. Lines are written whole and in order either way. */
export function logSink(io: Io): DestinationStream {
  return io.logDestination?.() ?? { write: (line: string) => io.stdout(line) };
}

/** Resolves at the first SIGTERM or SIGINT (and stops listening). */
export function untilStopped(signals: SignalSource): Promise<SignalName> {
  return new Promise((resolve) => {
    const onTerm = () => done("SIGTERM");
    const onInt = () => done("SIGINT");
    function done(name: SignalName) {
      signals.off("SIGTERM", onTerm);
      signals.off("SIGINT", onInt);
      resolve(name);
    }
    signals.on("SIGTERM", onTerm);
    signals.on("SIGINT", onInt);
  });
}

/** A whole stream (stdin) as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
