/**
 * The Koa application: the request log, then one layer that sets CORS headers, dispatches by
 * operationId from the generated document (router.ts) and renders every failure. Two layers, not one
 * per step: each Koa layer costs every request a closure and a promise.
 */
import Koa from "koa";
import { document } from "../../generated/openapi.js";
import { cors } from "./cors.js";
import { renderFailure } from "./error-handler.js";
import type { HandlerDeps, KoaContext, RequestState } from "./handlers/types.js";
import { refuseManyHeaderLines } from "./header-limit.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { requestLog } from "./request-log.js";
import { createRouter } from "./router.js";
import type { ServiceState } from "./runtime.js";
import { dropUnreadBody } from "./unread-body.js";

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
  const corsHeaders = cors(service, deps.document);
  app.use(async function answer(ctx: KoaContext) {
    try {
      // A listed app's preflight is answered here; every other answer, errors too, carries its headers.
      if (!corsHeaders(ctx)) {
        refuseManyHeaderLines(ctx);
        // Paths are matched exactly as the served document writes them: a trailing slash is another path (404).
        await dispatch(ctx, ctx.path);
      }
    } catch (err) {
      renderFailure(ctx, err);
    }
    dropUnreadBody(ctx);
  });
  return { app, warm: dispatch.warm };
}
