/**
 * Runs the service: builds the runtime, listens over HTTP or HTTPS with header, request and keep-alive
 * timeouts (a slow client cannot hold the server), reloads on demand and shuts down gracefully.
 */
import { stat } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { watchKeyFile } from "../keys/watch-key-file.js";
import type { ExchangeObserver } from "../provider/observer.js";
import type { MemoryBounds } from "../state/memory-bounds.js";
import { createSharedState, type SharedState, type StateEvents } from "../state/shared-state.js";
import { createApp } from "./app.js";
import { answerClientErrors } from "./client-error.js";
import { MAX_HEADER_LINES } from "./header-limit.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { buildRuntime, type RuntimeOptions, ServiceState } from "./runtime.js";
import { loadTlsFiles } from "./tls-files.js";

export interface ServeOptions {
  /** The service's clock (ms since the epoch); default `Date.now`. */
  now?: Clock;
  /** Default: the metrics' observer. */
  observer?: ExchangeObserver;
  logger?: Logger;
  metrics?: Metrics;
  /** Bounds of the in-memory state tables without `state.redis` (default DEFAULT_MEMORY_BOUNDS); tests shrink them. */
  memoryBounds?: Partial<MemoryBounds>;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  server: Server;
  service: ServiceState;
  logger: Logger;
  metrics: Metrics;
  /** Swaps in a new configuration (and re-reads the key file); throws and keeps the old one when invalid. */
  reload(next: Config): Promise<void>;
  /** Stops accepting connections, lets in-flight requests finish (bounded), then closes. */
  close(): Promise<void>;
}

/** The key file's mode ("0640") when its group or others have any access to it; POSIX systems only. */
async function exposedMode(file: string): Promise<string | undefined> {
  if (process.platform === "win32") return undefined;
  const { mode } = await stat(file);
  return mode & 0o077 ? (mode & 0o777).toString(8).padStart(4, "0") : undefined;
}

/** Redis's ups and downs, each said once in the log and kept in the metrics. */
function stateEvents(logger: Logger, metrics: Metrics): StateEvents {
  return {
    unavailable(reason) {
      metrics.stateUnavailable.set(1);
      logger.warn(
        { state: "redis", reason },
        "shared state (Redis) unavailable: caches and rate limits use process memory; replay checks and sign-in state answer 503",
      );
    },
    available() {
      metrics.stateUnavailable.set(0);
      logger.info({ state: "redis" }, "shared state (Redis) available again");
    },
    fallback: (use) => metrics.stateFallbacks.inc({ use }),
  };
}

/** With its kid: the key every token from now on is signed with, to be told from any other instance's. */
export function logCreatedKeyFile(logger: Logger, file: string, kid: string): void {
  logger.warn({ keys_file: file, kid }, "no signing key file: created one with a new key");
}

export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.server.log_level);
  const metrics = options.metrics ?? createMetrics();
  // First: a start that fails on them must not have created a key file.
  const tlsFiles = config.server.tls && (await loadTlsFiles(config.server.tls));
  // One per process, kept across reloads: `state.redis` takes effect at start.
  const state: SharedState = await createSharedState(
    config.state.redis,
    stateEvents(logger, metrics),
    options.memoryBounds,
  );
  metrics.stateUnavailable.set(0);
  const runtimeOptions: RuntimeOptions = {
    now: options.now ?? Date.now,
    observer: options.observer ?? metrics.observer,
    state,
  };
  const [runtime] = await Promise.all([buildRuntime(config, runtimeOptions), state.ready()]).catch(
    async (err: unknown) => {
      await state.close();
      throw err;
    },
  );
  if (runtime.createdKeys) logCreatedKeyFile(logger, config.token.keys_file, runtime.keys.signer.kid);
  const mode = await exposedMode(config.token.keys_file);
  if (mode !== undefined) {
    logger.warn(
      { keys_file: config.token.keys_file, mode },
      "other users can read the signing key file: chmod 600 it (or 400), owned by the service's user",
    );
  }
  const service = new ServiceState(runtime);
  metrics.watchSigningKey(() => service.current.keys.signer.from);
  await runtime.keys.probe();
  const { keys_file } = config.token;
  const unwatchKeys = watchKeyFile(
    () => ({ keys: service.current.keys, token: service.current.config.token }),
    {
      reloaded: (kids) => logger.info({ keys_file, kids }, "signing keys reloaded"),
      refused: (problem) =>
        logger.error({ keys_file, problem }, "key file change refused; the running keys are kept"),
    },
  );
  const { app, warm } = await createApp({ service, logger, metrics });
  const limits = {
    headersTimeout: config.server.headers_timeout_ms,
    requestTimeout: config.server.request_timeout_ms,
    keepAliveTimeout: config.server.keep_alive_timeout_ms,
    // Node checks the two timeouts above every 30 s by default, long enough for a slow client to
    // hold many sockets; check every second instead.
    connectionsCheckingInterval: 1000,
  };
  const server: Server = tlsFiles
    ? createHttpsServer({ ...limits, ...tlsFiles }, app.callback())
    : createHttpServer(limits, app.callback());
  server.maxHeadersCount = MAX_HEADER_LINES;
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.server.port, config.server.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // A second after listening, so neither start-up nor the first readiness probe waits on it; a request
  // arriving earlier compiles what it needs itself.
  setTimeout(warm, 1000).unref();
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${tlsFiles ? "https" : "http"}://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    service,
    logger,
    metrics,
    async reload(next) {
      const fresh = await buildRuntime(next, runtimeOptions, service.current);
      await fresh.keys.probe();
      service.current = fresh;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        service.shuttingDown = true;
        unwatchKeys();
        const force = setTimeout(() => server.closeAllConnections(), config.server.shutdown_timeout_ms);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          state.close().then(resolve, resolve);
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
