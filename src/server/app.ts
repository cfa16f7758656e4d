/**
 * The Koa application. openapi-backend routes every request by operationId from the generated
 * document and validates it; handlers adapt the exchange core; one middleware renders every error.
 */
import Koa from "koa";
import { OpenAPIBackend, type Request as OperationRequest } from "openapi-backend";
import { document } from "../../generated/openapi.js";
import { InvalidRequest, MethodNotAllowed, RateLimited, RouteNotFound } from "../errors.js";
import { errorHandler } from "./error-handler.js";
import { getHealthz, getReadyz } from "./handlers/get-health.js";
import { getJwks } from "./handlers/get-jwks.js";
import { getMetrics } from "./handlers/get-metrics.js";
import { getOpenapiJson, getOpenapiYaml } from "./handlers/get-openapi.js";
import { getOpenidConfiguration } from "./handlers/get-openid-configuration.js";
import { postSsoToken } from "./handlers/post-sso-token.js";
import type { HandlerDeps, KoaContext, RequestState } from "./handlers/types.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { normalizeSsoTokenRequest } from "./normalize-request.js";
import { readJsonBody } from "./read-json-body.js";
import { clientAddress, requestLog } from "./request-log.js";
import type { ServiceState } from "./runtime.js";

export const SSO_TOKEN_OPERATION = "postOcientHttpQueryApiSsoToken";

export interface AppOptions {
  service: ServiceState;
  logger: Logger;
  metrics: Metrics;
}

/** Ajv's first complaint, without values: reasons never echo request contents. */
function validationReason(
  errors: ReadonlyArray<{ instancePath?: string; message?: string }> | null | undefined,
) {
  const first = errors?.[0];
  if (!first) return "the request is invalid";
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll("/", ".") : "body";
  return `invalid request: ${where} ${first.message ?? "is invalid"}`.slice(0, 200);
}

export async function createApiBackend(deps: HandlerDeps): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({
    definition: deps.document as never,
    // The document is OpenAPI 3.1, which openapi-backend would check against the 3.0 meta-schema and then
    // route everything to 404; it is linted by Redocly in CI instead.
    quick: true,
    validate: true,
    strict: true,
    handlers: {
      [SSO_TOKEN_OPERATION]: postSsoToken(deps),
      getJwks: getJwks(deps),
      getOpenidConfiguration: getOpenidConfiguration(deps),
      getOpenapiJson: getOpenapiJson(deps),
      getOpenapiYaml: getOpenapiYaml(deps),
      getHealthz: getHealthz(),
      getReadyz: getReadyz(deps),
      getMetrics: getMetrics(deps),
      validationFail: (c) => {
        throw new InvalidRequest(validationReason(c.validation.errors));
      },
      notFound: () => {
        throw new RouteNotFound("no such route");
      },
      methodNotAllowed: () => {
        throw new MethodNotAllowed("method not allowed on this route");
      },
    },
  });
  await api.init();
  return api;
}

export async function createApp({ service, logger, metrics }: AppOptions): Promise<Koa<RequestState>> {
  const deps: HandlerDeps = { service, metrics, document: document as Record<string, unknown> };
  const api = await createApiBackend(deps);
  const app = new Koa<RequestState>();
  app.silent = true;
  app.proxy = service.current.config.server.trust_proxy;
  app.use(requestLog(logger, metrics, app.proxy));
  app.use(errorHandler());
  app.use(async function route(ctx: KoaContext) {
    const request: OperationRequest = {
      method: ctx.method,
      path: ctx.path,
      query: ctx.querystring,
      headers: ctx.headers as OperationRequest["headers"],
    };
    const operation = api.router.matchOperation(request);
    if (operation?.operationId === SSO_TOKEN_OPERATION) {
      const wait = service.current.limiter?.take(clientAddress(ctx, app.proxy), Date.now()) ?? 0;
      if (wait > 0) throw new RateLimited("too many token exchanges from this client; retry later", wait);
      const { server } = service.current.config;
      const body = await readJsonBody(ctx.req, server.max_body_bytes);
      request.body = normalizeSsoTokenRequest(body, server.max_token_bytes);
    }
    await api.handleRequest(request, ctx);
  });
  return app;
}
