/** `GET /metrics` (getMetrics): Prometheus text format. */
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

export function getMetrics({ metrics }: HandlerDeps): OperationHandler<"getMetrics"> {
  return async function getMetrics(ctx) {
    ctx.type = metrics.registry.contentType;
    return { status: 200, body: await (metrics.clusterText?.() ?? metrics.registry.metrics()) };
  };
}
