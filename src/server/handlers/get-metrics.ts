/** `GET /metrics` (getMetrics): Prometheus text format; in a cluster, every worker's, summed. */
import type { Handler, HandlerDeps } from "./types.js";

export function getMetrics({ metrics }: HandlerDeps): Handler {
  return async function getMetrics(ctx) {
    ctx.type = metrics.registry.contentType;
    ctx.body = await (metrics.clusterText?.() ?? metrics.registry.metrics());
  };
}
