/** `GET /healthz` (alive) and `GET /readyz` (configuration loaded, signing key usable, not shutting down). */
import type { Handler, HandlerDeps } from "./types.js";

export function getHealthz(): Handler {
  return function getHealthz(_operation, ctx) {
    ctx.set("cache-control", "no-store");
    ctx.body = { status: "ok" };
  };
}

export function getReadyz({ service }: HandlerDeps): Handler {
  return function getReadyz(_operation, ctx) {
    const checks = {
      config: "ok",
      signing_key: service.current.keys.signer ? "ok" : "missing",
      shutting_down: service.shuttingDown ? "yes" : "no",
    };
    const ready = checks.signing_key === "ok" && !service.shuttingDown;
    ctx.set("cache-control", "no-store");
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? "ready" : "not_ready", checks };
  };
}
