/** `GET /healthz` (alive) and `GET /readyz` (configuration loaded, signing key usable, not shutting down). */
import type { Handler, HandlerDeps } from "./types.js";

export function getHealthz(): Handler {
  return function getHealthz(ctx) {
    ctx.set("cache-control", "no-store");
    ctx.body = { status: "ok" };
  };
}

export function getReadyz({ service }: HandlerDeps): Handler {
  return function getReadyz(ctx) {
    // The runtime only exists once its configuration validated and its signing key signed a probe.
    const checks = {
      config: "ok",
      signing_key: "ok",
      accepting_requests: service.shuttingDown ? "failed" : "ok",
    };
    const ready = !service.shuttingDown;
    ctx.set("cache-control", "no-store");
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? "ready" : "not_ready", checks };
  };
}
