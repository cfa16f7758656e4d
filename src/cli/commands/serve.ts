/**
 * `ocient-sso serve`: production. Never listens with an invalid configuration. SIGTERM / SIGINT stop
 * accepting connections and let in-flight requests finish; SIGHUP re-reads the configuration file and
 * keeps the running one when the new one is invalid.
 */
import { availableParallelism } from "node:os";
import { ConfigError, configPathFrom, loadConfigFile } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { KeyStore, missingKeyFileAtStart } from "../../keys/key-store.js";
import { isClusterWorker, shareMetricsWithPrimary, superviseWorkers } from "../../server/cluster.js";
import { createLogger } from "../../server/logger.js";
import { createMetrics } from "../../server/metrics.js";
import { logCreatedKeyFile, startServer } from "../../server/serve.js";
import { describeThreadpool, workerThreadpoolEnv } from "../../server/threadpool.js";
import { loadTlsFiles } from "../../server/tls-files.js";
import { CliError, type Command, helpOption, parse, UsageError } from "../command.js";
import { type Io, logSink, untilStopped } from "../io.js";

const usage = `Usage: ocient-sso serve --config FILE

Runs the token service with the configuration in FILE (YAML or JSON).

Options:
  -c, --config FILE   configuration file (default: $OCIENT_SSO_CONFIG)
  -h, --help          show this help

With server.workers > 1, a primary process forks that many workers sharing the port and forwards
these signals to them.

Signals:
  SIGTERM, SIGINT     finish in-flight requests, then exit 0
  SIGHUP              re-read FILE; an invalid file is logged and the running configuration kept

Environment:
  UV_THREADPOOL_SIZE  threads that check and make signatures, read once at process start; unset,
                      the executable sets one per core the event loop leaves free (the fastest),
                      and the primary one per core each worker's event loop leaves free
`;

/** Settings fixed when the server was created: a reload cannot change them. */
const FIXED_AT_START = [
  "host",
  "port",
  "tls",
  "workers",
  "trust_proxy",
  "headers_timeout_ms",
  "request_timeout_ms",
  "keep_alive_timeout_ms",
  "shutdown_timeout_ms",
] as const;

function listenerChanges(before: Config, after: Config): string[] {
  const changed = FIXED_AT_START.filter(
    (key) => JSON.stringify(before.server[key]) !== JSON.stringify(after.server[key]),
  ).map((key) => `server.${key}`);
  // The Redis connection is made once per process.
  if (JSON.stringify(before.state) !== JSON.stringify(after.state)) changed.push("state");
  return changed;
}

async function run(args: string[], io: Io): Promise<number> {
  const { values } = parse({ args, options: { config: { type: "string", short: "c" }, ...helpOption } });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  const file = configPathFrom(values.config, io.env);
  if (!file) throw new UsageError("--config FILE (or OCIENT_SSO_CONFIG) is required");
  let config = await loadConfigFile(file, io.env);
  const logger = createLogger(config.server.log_level, logSink(io));
  if (config.server.workers > 1 && !isClusterWorker()) {
    // Checked first, as a worker would, so a failing start creates no key file.
    if (config.server.tls) await loadTlsFiles(config.server.tls);
    // Created once here, so workers never race to create the key file.
    const { token } = config;
    const { store, created } = await KeyStore.open(
      token.keys_file,
      token.algorithm,
      missingKeyFileAtStart(config),
    );
    if (created) logCreatedKeyFile(logger, token.keys_file, store.signer.kid);
    const { workers } = config.server;
    // A worker's pool is sized by its environment at start.
    const env = workerThreadpoolEnv(io.env, availableParallelism(), workers);
    logger.info({ workers, config: file, worker_env: env }, "starting workers");
    return superviseWorkers({ workers, logger, signals: io.signals, env });
  }
  const metrics = createMetrics();
  if (isClusterWorker()) shareMetricsWithPrimary(metrics);
  const running = await startServer(config, { logger, metrics }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") {
      throw new CliError(`${config.server.host}:${config.server.port} is already in use (server.port)`);
    }
    throw err;
  });
  let reloading = Promise.resolve();
  const onHup = () => {
    reloading = reloading.then(async () => {
      try {
        const next = await loadConfigFile(file, io.env);
        await running.reload(next);
        const ignored = listenerChanges(config, next);
        if (ignored.length > 0) logger.warn({ ignored }, "these settings take effect only after a restart");
        logger.level = next.server.log_level;
        config = next;
        logger.info({ config: file }, "configuration reloaded");
      } catch (err) {
        const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
        logger.error({ config: file, problems }, "reload refused; the running configuration is kept");
      }
    });
  };
  io.signals.on("SIGHUP", onHup);
  const stopped = untilStopped(io.signals);
  // Only now: a signal sent on seeing this line, before its handler was installed, would end the process.
  const threadpool = describeThreadpool(io.env, availableParallelism(), config.server.workers);
  logger.info({ url: running.url, config: file, threadpool }, `ocient-sso listening on ${running.url}`);
  const signal = await stopped;
  io.signals.off("SIGHUP", onHup);
  logger.info({ signal }, "shutting down: finishing in-flight requests");
  await reloading;
  await running.close();
  logger.info("stopped");
  return 0;
}

export const serve: Command = { name: "serve", usage, run };
