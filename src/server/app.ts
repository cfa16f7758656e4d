/**
 * The Koa application. openapi-backend routes every request by operationId from the generated
 * document and validates it; handlers adapt the exchange core; one middleware renders every error.
 */
import Koa from "koa";
import { OpenAPIBackend } from "openapi-backend";
import { document } from "../../generated/openapi.js";
import { InvalidRequest, MethodNotAllowed, RateLimited, RouteNotFound } from "../errors.js";
import { errorHandler } from "./error-handler.js";
import { getHealthz, getReadyz } from "./handlers/get-health.js";
import { getJwks } from "./handlers/get-jwks.js";
import { getMetrics } from "./handlers/get-metrics.js";
import { getOpenapiJson, getOpenapiYaml } from "./handlers/get-openapi.js";
import { getOpenidConfiguration } from "./handlers/get-openid-configuration.js";
import { postSsoToken } from "./handlers/post-sso-token.js";
import type { Handler, HandlerDeps, KoaContext, RequestState } from "./handlers/types.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { normalizeSsoTokenRequest } from "./normalize-request.js";
import { readJsonBody } from "./read-json-body.js";
import { requestLog } from "./request-log.js";
import type { ServiceState } from "./runtime.js";

const SSO_TOKEN_OPERATION = "postOcientHttpQueryApiSsoToken";
const SSO_TOKEN_PATH = "/v1/sso_token";

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

type Validate = ((input: unknown) => boolean) & { errors?: ValidationErrors };
type ValidationErrors = ReadonlyArray<{ instancePath?: string; message?: string }> | null;

interface Route {
  operationId: string;
  handle: Handler;
  /** openapi-backend's compiled validators of the operation (parameters, body), once compiled. */
  validators?: Validate[];
}

/**
 * openapi-backend parses the document, builds the routes and compiles the request validators. Requests
 * are then dispatched from a table built once from its operations, rather than through handleRequest,
 * which would re-list the operations, re-parse headers and cookies, and match the route twice per request.
 */
export interface Router {
  /** `path` without a trailing slash; HEAD is answered as GET (Koa sends no body). */
  (ctx: KoaContext, path: string, body: unknown): Promise<void>;
  /** Compiles every operation's validators now rather than on its first request. */
  warm: () => void;
}

export async function createRouter(deps: HandlerDeps): Promise<Router> {
  const api = new OpenAPIBackend({
    definition: deps.document as never,
    // The document is OpenAPI 3.1, which openapi-backend would check against the 3.0 meta-schema and then
    // route everything to 404; it is linted by Redocly in CI instead. Quick mode also compiles lazily.
    quick: true,
    validate: true,
    // Ajv would compile its meta-schema to check our schemas, about 100 ms of every start; the
    // generated document is checked by Redocly and by test/spec instead.
    ajvOpts: { validateSchema: false },
  });
  await api.init();
  const handlers: Record<string, Handler> = {
    [SSO_TOKEN_OPERATION]: postSsoToken(deps),
    getJwks: getJwks(deps),
    getOpenidConfiguration: getOpenidConfiguration(deps),
    getOpenapiJson: getOpenapiJson(),
    getOpenapiYaml: getOpenapiYaml(),
    getHealthz: getHealthz(),
    getReadyz: getReadyz(deps),
    getMetrics: getMetrics(deps),
  };
  const routes = new Map<string, Route>();
  const paths = new Set<string>();
  const compile = (operationId: string) =>
    (api.validator.getRequestValidatorsForOperation(operationId) ?? []) as Validate[];
  const operations = api.router.getOperations() as Array<{
    operationId?: string;
    method: string;
    path: string;
  }>;
  for (const { operationId, method, path } of operations) {
    if (!operationId || path.includes("{"))
      throw new Error(`route ${method} ${path} needs a handler and a fixed path`);
    const handle = handlers[operationId];
    if (!handle) throw new Error(`no handler for operation ${operationId}`);
    routes.set(`${method.toUpperCase()} ${path}`, { operationId, handle });
    paths.add(path);
  }
  const dispatch: Router = async function dispatch(ctx, path, body) {
    const route = routes.get(`${ctx.method === "HEAD" ? "GET" : ctx.method} ${path}`);
    if (!route) {
      if (paths.has(path)) throw new MethodNotAllowed("method not allowed on this route");
      throw new RouteNotFound("no such route");
    }
    const input = { path: {}, query: ctx.query, header: ctx.headers, cookie: {}, requestBody: body };
    route.validators ??= compile(route.operationId);
    for (const validate of route.validators) {
      if (!validate(input)) throw new InvalidRequest(validationReason(validate.errors));
    }
    await route.handle(ctx, body);
  };
  dispatch.warm = () => {
    for (const route of routes.values()) route.validators ??= compile(route.operationId);
  };
  return dispatch;
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
  app.use(errorHandler());
  app.use(async function route(ctx: KoaContext) {
    let body: unknown;
    const path = ctx.path.length > 1 && ctx.path.endsWith("/") ? ctx.path.slice(0, -1) : ctx.path;
    if (ctx.method === "POST" && path === SSO_TOKEN_PATH) {
      // Every exchange is audited, also one refused before its body is read or validated.
      ctx.state.audit = { facts: {} };
      const wait = (await service.current.limiter?.take(ctx.state.client)) ?? 0;
      if (wait > 0) throw new RateLimited("too many token exchanges from this client; retry later", wait);
      const { server } = service.current.config;
      body = normalizeSsoTokenRequest(
        await readJsonBody(ctx.req, server.max_body_bytes),
        server.max_token_bytes,
      );
    }
    await dispatch(ctx, path, body);
  });
  return { app, warm: dispatch.warm };
}
