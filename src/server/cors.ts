/**
 * CORS for web apps on other origins (`server.cors_origins`): a listed origin gets
 * `Access-Control-Allow-Origin` with its own value (never `*`, since credentials are allowed),
 * `Access-Control-Allow-Credentials: true`, and its preflights answered for the Ocient operations the
 * service serves (`/v1/…`, with their methods). An origin not listed gets nothing: no CORS header, and a
 * preflight goes on to the router, which refuses OPTIONS like any unknown method. Written here rather
 * than with @koa/cors, whose origin option is a function to write anyway and which answers every path.
 */
import type { KoaContext } from "./handlers/types.js";
import type { ServiceState } from "./runtime.js";
import { listedOrigin } from "./web-origins.js";

const METHODS = ["get", "post", "put", "patch", "delete"];
/** The callback is a navigation of the provider's redirect, never a script's call. */
const NOT_FOR_SCRIPTS = new Set(["/v1/callback"]);
/** How long a browser may reuse a preflight's answer (seconds). */
const PREFLIGHT_MAX_AGE = "600";

/** The methods of each served Ocient operation path, as `Access-Control-Allow-Methods` writes them. */
function operationMethods(document: Record<string, unknown>): Map<string, string> {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  const methods = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith("/v1/") || NOT_FOR_SCRIPTS.has(path)) continue;
    const list = Object.keys(item).filter((m) => METHODS.includes(m));
    if (list.length > 0) methods.set(path, list.map((m) => m.toUpperCase()).join(", "));
  }
  return methods;
}

/**
 * Sets the CORS headers a listed origin gets, before anything else answers (so error answers carry
 * them too); answers its preflight and returns true then, when nothing else may answer.
 */
export function cors(service: ServiceState, document: Record<string, unknown>): (ctx: KoaContext) => boolean {
  const methodsByPath = operationMethods(document);
  return function cors(ctx) {
    const { config } = service.current;
    // Caches must not hand one origin's answer to another.
    if (config.server.cors_origins.length > 0) ctx.vary("Origin");
    const origin = listedOrigin(ctx, config);
    const methods = methodsByPath.get(ctx.path);
    if (origin === undefined || methods === undefined) return false;
    ctx.set("access-control-allow-origin", origin);
    ctx.set("access-control-allow-credentials", "true");
    if (ctx.method === "OPTIONS" && ctx.get("access-control-request-method") !== "") {
      ctx.set("access-control-allow-methods", methods);
      ctx.set("access-control-allow-headers", "authorization, content-type");
      ctx.set("access-control-max-age", PREFLIGHT_MAX_AGE);
      ctx.status = 204;
      return true;
    }
    ctx.set("access-control-expose-headers", "retry-after, www-authenticate");
    return false;
  };
}
