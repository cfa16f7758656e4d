/**
 * Runs the service: builds the runtime, listens over HTTP or HTTPS with header, request and keep-alive
 * timeouts (a slow client cannot hold the server), reloads on demand and shuts down gracefully.
 */
import { readFile, stat } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { watchKeyFile } from "../keys/watch-key-file.js";
import type { ExchangeObserver } from "../provider/observer.js";
import { createSharedState, type SharedState, type StateEvents } from "../state/shared-state.js";
import { createApp } from "./app.js";
import { MAX_HEADER_LINES } from "./header-limit.js";
import { createLogger, type Logger } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { buildRuntime, type RuntimeOptions, ServiceState } from "./runtime.js";

export interface ServeOptions {
  /** The service's clock (ms since the epoch); default `Date.now`. */
  now?: Clock;
  /** Default: the metrics' observer. */
  observer?: ExchangeObserver;
  logger?: Logger;
  metrics?: Metrics;
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

export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.server.log_level);
  const metrics = options.metrics ?? createMetrics();
  // One per process, kept across reloads: `state.redis` takes effect at start.
  const state: SharedState = await createSharedState(config.state.redis, stateEvents(logger, metrics));
  metrics.stateUnavailable.set(0);
  const runtimeOptions: RuntimeOptions = {
    now: options.now ?? Date.now,
    observer: options.observer ?? metrics.observer,
    state,
  };
  const [runtime] = await Promise.all([buildRuntime(config, runtimeOptions), state.ready()]);
  if (runtime.createdKeys) {
    logger.warn({ keys_file: config.token.keys_file }, "no signing key file: created one with a new key");
  }
  const mode = await exposedMode(config.token.keys_file);
  if (mode !== undefined) {
    logger.warn(
      { keys_file: config.token.keys_file, mode },
      "other users can read the signing key file: chmod 600 it (or 400), owned by the service's user",
    );
  }
  const service = new ServiceState(runtime);
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
  const { tls } = config.server;
  const limits = {
    headersTimeout: config.server.headers_timeout_ms,
    requestTimeout: config.server.request_timeout_ms,
    keepAliveTimeout: config.server.keep_alive_timeout_ms,
    // Node checks the two timeouts above every 30 s by default, long enough for a slow client to
    // hold many sockets; check every second instead.
    connectionsCheckingInterval: 1000,
  };
  const server: Server = tls
    ? createHttpsServer(
        { ...limits, cert: await readFile(tls.cert_file), key: await readFile(tls.key_file) },
        app.callback(),
      )
    : createHttpServer(limits, app.callback());
  server.maxHeadersCount = MAX_HEADER_LINES;
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
  const url = `${tls ? "https" : "http"}://${host}:${address.port}`;

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
