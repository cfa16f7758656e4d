/**
 * libuv's thread pool runs the exchange's signature work (src/keys/jws.ts), and also DNS lookups
 * and file reads. Its size is read from UV_THREADPOOL_SIZE once, when the pool is first used, which for
 * an ES module is before its first line runs: the executable's CommonJS entry (src/cli/entry.ts) sets the
 * recommended size unless the operator set one, and the cluster primary sets it for the workers it forks.
 *
 * Measured on the bench (2 cores, 32 connections): with libuv's default of 4 threads the crypto threads
 * and the event loop outnumber the cores, and waking and preempting them costs the event loop more than
 * the signatures do; one pool thread per spare core gave 1.3× to 1.5× the throughput.
 */
import { availableParallelism } from "node:os";

/** libuv's default when UV_THREADPOOL_SIZE is unset. */
const LIBUV_DEFAULT = 4;
/** libuv's upper bound. */
const LIBUV_MAX = 1024;

/**
 * Set beside UV_THREADPOOL_SIZE by the executable's entry when it chose the size: tells the size it chose
 * from one the operator set (which cluster workers inherit as it is).
 */
export const CHOSEN_BY_ENTRY = "OCIENT_SSO_THREADPOOL_SIZE_CHOSEN";

export interface ThreadpoolSize {
  size: number;
  /** Where the size comes from: the operator's environment, the executable's entry, or libuv's default. */
  from: "UV_THREADPOOL_SIZE" | "ocient-sso" | "libuv default";
}

/** The pool size libuv uses for this environment (it parses the variable as C's atoi does). */
export function threadpoolSize(env: NodeJS.ProcessEnv = process.env): ThreadpoolSize {
  const value = env.UV_THREADPOOL_SIZE;
  if (value === undefined || value === "") return { size: LIBUV_DEFAULT, from: "libuv default" };
  const parsed = Number.parseInt(value.trim(), 10);
  const size = Number.isNaN(parsed) || parsed <= 0 ? 1 : Math.min(parsed, LIBUV_MAX);
  return { size, from: env[CHOSEN_BY_ENTRY] === value ? "ocient-sso" : "UV_THREADPOOL_SIZE" };
}

/** What the executable's entry adds to its environment before the pool is first used: nothing when the operator chose. */
export function defaultThreadpoolEnv(
  env: NodeJS.ProcessEnv,
  cores = availableParallelism(),
): Record<string, string> {
  if (threadpoolSize(env).from !== "libuv default") return {};
  const size = String(recommendedThreadpoolSize(cores, 1));
  return { UV_THREADPOOL_SIZE: size, [CHOSEN_BY_ENTRY]: size };
}

/**
 * One pool thread for each core the event loops leave free, and at least one: `processes` event loops
 * on `cores` cores. With 2 cores and 1 process that is 1; with 8 cores and 2 workers, 3 per worker.
 */
export function recommendedThreadpoolSize(cores = availableParallelism(), processes = 1): number {
  return Math.max(1, Math.floor(cores / Math.max(1, processes)) - 1);
}

/**
 * What the cluster primary adds to each worker's environment: the recommended pool size for `workers`
 * event loops, unless the operator set UV_THREADPOOL_SIZE, which the workers then inherit as it is.
 */
export function workerThreadpoolEnv(
  env: NodeJS.ProcessEnv,
  cores: number,
  workers: number,
): Record<string, string> {
  if (threadpoolSize(env).from === "UV_THREADPOOL_SIZE") return {};
  const size = String(recommendedThreadpoolSize(cores, workers));
  return { UV_THREADPOOL_SIZE: size, [CHOSEN_BY_ENTRY]: size };
}

/** What the start-up log line says about the pool: its size, where it comes from, and a hint when it oversubscribes the cores. */
export function describeThreadpool(
  env: NodeJS.ProcessEnv = process.env,
  cores = availableParallelism(),
  processes = 1,
): ThreadpoolSize & { recommended: number; hint?: string } {
  const current = threadpoolSize(env);
  const recommended = recommendedThreadpoolSize(cores, processes);
  if (current.from === "libuv default" && current.size > recommended) {
    return {
      ...current,
      recommended,
      hint: `set UV_THREADPOOL_SIZE=${recommended} for this machine (${cores} cores): see docs/operations.md, Thread pool`,
    };
  }
  return { ...current, recommended };
}
