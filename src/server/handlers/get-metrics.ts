/** `GET /metrics` (getMetrics): Prometheus text format. */
import type { Handler, HandlerDeps } from "./types.js";

export function getMetrics({ metrics }: HandlerDeps): Handler {
  return async function getMetrics(ctx) {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  };
}
