/** One load generator for every HTTP scenario: autocannon, driven from here, warm-up then measurement. */
import autocannon from "autocannon";
import { round } from "./child.js";

export const CONNECTIONS = 32;

export interface LoadOptions {
  url: string;
  requests: autocannon.Request[];
  /** Measured seconds (ignored when `amount` is set). */
  durationSeconds: number;
  /** Measure exactly this many requests instead of a duration. */
  amount?: number;
  /** Hard stop for an `amount` run, seconds. */
  limitSeconds?: number;
  onResponseCount?: (count: number) => void;
}

export interface LoadFigures {
  requests: number;
  seconds: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  socket_errors: number;
  timeouts: number;
  /** non-2xx responses plus socket errors (timeouts included). */
  errors: number;
}

/** Runs autocannon once, bounded by `duration` or by `amount` and a watchdog. */
export function fire(opts: LoadOptions): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let count = 0;
    const instance = autocannon(
      {
        url: opts.url,
        connections: CONNECTIONS,
        pipelining: 1,
        timeout: 10,
        requests: opts.requests,
        ...(opts.amount === undefined ? { duration: opts.durationSeconds } : { amount: opts.amount }),
      },
      (error, result) => {
        clearTimeout(watchdog);
        if (error) reject(error);
        else resolve(result);
      },
    );
    const watchdog = setTimeout(
      () => instance.stop(),
      (opts.amount === undefined ? opts.durationSeconds + 30 : (opts.limitSeconds ?? 600)) * 1000,
    );
    if (opts.onResponseCount) {
      const report = opts.onResponseCount;
      instance.on("response", () => report(++count));
    }
  });
}

export function figures(result: autocannon.Result): LoadFigures {
  const requests = result.requests.total;
  const seconds = result.duration;
  return {
    requests,
    seconds: round(seconds, 2),
    rps: Math.round(requests / seconds),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non_2xx: result.non2xx,
    socket_errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    errors: result.non2xx + result.errors,
  };
}
