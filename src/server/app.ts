/**
 * The Koa application: the request log, the error middleware, and the router (router.ts), which
 * dispatches every request by operationId from the generated document.
 */
import Koa from "koa";
import { document } from "../../generated/openapi.js";
import { cors } from "./cors.js";
import { errorHandler } from "./error-handler.js";
import type { HandlerDeps, KoaContext, RequestState } from "./handlers/types.js";
import { headerLimit } from "./header-limit.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { requestLog } from "./request-log.js";
import { createRouter } from "./router.js";
import type { ServiceState } from "./runtime.js";
import { unreadBody } from "./unread-body.js";

export interface AppOptions {
  service: ServiceState;
  logger: Logger;
  metrics: Metrics;
}

export interface App {
  app: Koa<RequestState>;
  /** Compiles the request validators; the server calls it once it listens, so start-up is not held by it. */
  warm: () => void;
}

export async function createApp({ service, logger, metrics }: AppOptions): Promise<App> {
  const deps: HandlerDeps = { service, metrics, document: document as Record<string, unknown> };
  const dispatch = await createRouter(deps);
  const app = new Koa<RequestState>();
  app.silent = true;
  app.proxy = service.current.config.server.trust_proxy;
  // Behind a trusted proxy, the client is the address that proxy appended, not one the client wrote.
  app.maxIpsCount = 1;
  app.use(requestLog(logger, metrics, app.proxy));
  app.use(unreadBody());
  // Before the error middleware, so error answers carry the CORS headers a listed app needs to read them.
  app.use(cors(service, deps.document));
  app.use(errorHandler());
  app.use(headerLimit());
  // Paths are matched exactly as the served document writes them: a trailing slash is another path (404).
  // Not async: the router's promise is the middleware's.
  app.use(function route(ctx: KoaContext) {
    return dispatch(ctx, ctx.path);
  });
  return { app, warm: dispatch.warm };
}
