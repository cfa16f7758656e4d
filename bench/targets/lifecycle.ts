/** What every bench target shares: tell the bench it is ready, and leave cleanly when told or orphaned. */
import type { Server } from "node:http";

export function announce(message: Record<string, unknown>): void {
  process.send?.(message);
}

/**
 * Exits with code 0 after `close` on SIGTERM, so `--cpu-prof` can write its profile; exits at once when
 * the bench process goes away, so no target outlives it.
 */
export function exitOnStop(close: () => Promise<void>): void {
  let stopping = false;
  process.once("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.once("disconnect", () => process.exit(0));
}

export function portFrom(arg: string | undefined): number {
  const port = Number(arg);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new TypeError(`bad port argument: ${arg}`);
  return port;
}

/** Listens on 127.0.0.1:`port` and closes the server (letting requests finish) when stopped. */
export async function serveUntilStopped(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  exitOnStop(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  );
}
