/** `GET /healthz` (alive) and `GET /readyz` (configuration loaded, signing key usable, not shutting down). */
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

export function getHealthz(): OperationHandler<"getHealthz"> {
  return function getHealthz(ctx) {
    ctx.set("cache-control", "no-store");
    return { status: 200, body: { status: "ok" } };
  };
}

export function getReadyz({ service }: HandlerDeps): OperationHandler<"getReadyz"> {
  return function getReadyz(ctx) {
    // The runtime only exists once its configuration validated and its signing key signed a probe.
    const accepting = service.shuttingDown ? "failed" : "ok";
    const checks = { config: "ok", signing_key: "ok", accepting_requests: accepting } as const;
    ctx.set("cache-control", "no-store");
    return service.shuttingDown
      ? { status: 503, body: { status: "not_ready", checks } }
      : { status: 200, body: { status: "ready", checks } };
  };
}
