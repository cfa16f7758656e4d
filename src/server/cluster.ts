/**
 * `server.workers > 1`: a primary process forks workers that share the listening port (node
 * cluster). The primary only supervises: it forwards SIGHUP (reload) and SIGTERM/SIGINT (graceful
 * stop) to the workers, replaces a worker that dies unexpectedly, and exits when all have stopped.
 * Each worker keeps its own metrics registry; /metrics, whichever worker answers it, asks the primary,
 * which gathers every worker's registry over IPC (prom-client's AggregatorRegistry) and sums them.
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry } from "prom-client";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

const METRICS_REQUEST = "ocient-sso:metrics-request";
const METRICS_REPLY = "ocient-sso:metrics-reply";
/** A worker waits this long for the cluster's metrics before answering with its own (ms). */
const METRICS_TIMEOUT_MS = 6000;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers a worker's request for the whole cluster's metrics. */
function answerMetricsRequests(logger: Logger): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker: Worker, message: MetricsMessage) => {
    if (message?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_REPLY, id: message.id, text }),
      (err: Error) => {
        logger.warn({ problem: err.message }, "cluster metrics: a worker did not answer");
        worker.send({ type: METRICS_REPLY, id: message.id, error: err.message });
      },
    );
  });
}

/**
 * In a worker: lets the primary read this worker's registry, and makes `metrics.clusterText` ask the
 * primary for everyone's. Should the primary not answer, the worker's own metrics are served.
 */
export function shareMetricsWithPrimary(metrics: Metrics): void {
  AggregatorRegistry.setRegistries([metrics.registry]);
  // Constructing one installs prom-client's listener for the primary's requests.
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, (text: string | undefined) => void>();
  process.on("message", (message: MetricsMessage) => {
    if (message?.type !== METRICS_REPLY) return;
    waiting.get(message.id)?.(message.error === undefined ? message.text : undefined);
  });
  metrics.clusterText = async () => {
    const id = next++;
    const text = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), METRICS_TIMEOUT_MS);
      const done = (value: string | undefined) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(value);
      };
      waiting.set(id, done);
      process.send?.({ type: METRICS_REQUEST, id });
    });
    return text ?? metrics.registry.metrics();
  };
}

export interface ClusterOptions {
  workers: number;
  logger: Logger;
  /** Where SIGTERM, SIGINT and SIGHUP arrive (the process, or a test's emitter). */
  signals: { on(signal: "SIGTERM" | "SIGINT" | "SIGHUP", listener: () => void): void };
  /** Wait before replacing a worker that died (ms, default 1000). */
  respawnDelayMs?: number;
  /** Added to each worker's environment (the primary sets UV_THREADPOOL_SIZE here, see threadpool.ts). */
  env?: Record<string, string>;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** Runs in the primary: resolves with the exit code once every worker has stopped after a signal. */
export function superviseWorkers({
  workers,
  logger,
  signals,
  respawnDelayMs = 1000,
  env,
}: ClusterOptions): Promise<number> {
  let stopping = false;
  answerMetricsRequests(logger);
  const fork = (): Worker => cluster.fork(env);
  for (let i = 0; i < workers; i++) fork();
  return new Promise((resolve) => {
    let failed = false;
    const deaths: number[] = [];
    cluster.on("exit", (worker, code, signal) => {
      if (!stopping) {
        // A worker that keeps dying at start would otherwise be replaced forever.
        const now = Date.now();
        deaths.push(now);
        while (deaths.length > 0 && (deaths[0] as number) < now - 60_000) deaths.shift();
        if (deaths.length > workers * 3) {
          logger.fatal({ deaths: deaths.length }, "workers keep dying; stopping");
          stopping = true;
          failed = true;
          forward("SIGTERM");
          if (Object.keys(cluster.workers ?? {}).length === 0) resolve(1);
          return;
        }
        logger.error({ worker: worker.process.pid, code, signal }, "worker died; starting another");
        setTimeout(fork, respawnDelayMs).unref();
        return;
      }
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(failed ? 1 : 0);
    });
    const forward = (signal: NodeJS.Signals) => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    };
    signals.on("SIGHUP", () => forward("SIGHUP"));
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "stopping workers");
      forward("SIGTERM");
    };
    signals.on("SIGTERM", () => stop("SIGTERM"));
    signals.on("SIGINT", () => stop("SIGINT"));
  });
}
