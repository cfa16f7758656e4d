/**
 * The router. openapi-backend parses the document, lists its operations and compiles the request
 * validators; requests are then dispatched from a table built once from those operations and
 * `OPERATIONS`, rather than through handleRequest, which would re-list the operations, re-parse headers
 * and cookies, and match the route twice per request.
 */
import { OpenAPIBackend } from "openapi-backend";
import { InvalidRequest, MethodNotAllowed, RateLimited, RouteNotFound } from "../errors.js";
import type { HandlerDeps, KoaContext } from "./handlers/types.js";
import { normalizeRequestKeys } from "./normalize-request.js";
import type { OperationId, OperationRoute } from "./operations.js";
import { readFormBody } from "./read-form-body.js";
import { readJsonBody } from "./read-json-body.js";
import { OPERATIONS } from "./routes.js";

type ValidationErrors = ReadonlyArray<{ instancePath?: string; message?: string }> | null;
type Validate = ((input: unknown) => boolean) & { errors?: ValidationErrors };

/** A request with a body to read: one declared with a length above 0, or sent in chunks. */
function hasBody(ctx: KoaContext): boolean {
  const length = ctx.get("content-length");
  return length !== "" ? length !== "0" : ctx.get("transfer-encoding") !== "";
}

/** Ajv's first complaint, without values: reasons never echo request contents. */
function validationReason(errors: ValidationErrors | undefined) {
  const first = errors?.[0];
  if (!first) return "the request is invalid";
  const where = first.instancePath ? first.instancePath.slice(1).replaceAll("/", ".") : "body";
  return `invalid request: ${where} ${first.message ?? "is invalid"}`.slice(0, 200);
}

/** A handler once its operation is looked up by path: the table's types checked it against its operation. */
type RoutedHandler = (ctx: KoaContext, body: unknown) => Promise<{ status: number; body: unknown }>;

interface Route {
  operationId: OperationId;
  spec: OperationRoute<OperationId>;
  handle: RoutedHandler;
  /** openapi-backend's compiled validators of the operation (parameters, body), once compiled. */
  validators?: Validate[];
}

export interface Router {
  /** `path` as the document writes it; HEAD is answered as GET (Koa sends no body). */
  (ctx: KoaContext, path: string): Promise<void>;
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
  const routes = new Map<string, Route>();
  /** The methods of each path, for `Allow`; HEAD wherever GET is, since HEAD is answered as GET. */
  const methodsOf = new Map<string, string[]>();
  const compile = (operationId: string) =>
    (api.validator.getRequestValidatorsForOperation(operationId) ?? []) as Validate[];
  const operations = api.router.getOperations() as Array<{
    operationId?: string;
    method: string;
    path: string;
  }>;
  for (const { operationId, method, path } of operations) {
    // The table's type already ties it to the generated document; this guards a document swapped at run time.
    if (!operationId || !Object.hasOwn(OPERATIONS, operationId) || path.includes("{"))
      throw new Error(`route ${method} ${path} needs a handler in src/server/routes.ts and a fixed path`);
    const id = operationId as OperationId;
    const spec = OPERATIONS[id] as OperationRoute<OperationId>;
    const handle = spec.handler(deps) as unknown as RoutedHandler;
    routes.set(`${method.toUpperCase()} ${path}`, { operationId: id, spec, handle });
    const methods = methodsOf.get(path) ?? [];
    methods.push(...(method.toUpperCase() === "GET" ? ["GET", "HEAD"] : [method.toUpperCase()]));
    methodsOf.set(path, methods);
  }
  const dispatch: Router = async function dispatch(ctx, path) {
    const route = routes.get(`${ctx.method === "HEAD" ? "GET" : ctx.method} ${path}`);
    if (!route) {
      const allow = methodsOf.get(path);
      if (allow) throw new MethodNotAllowed("method not allowed on this route", allow);
      throw new RouteNotFound("no such route");
    }
    const { spec } = route;
    const { current } = deps.service;
    if (spec.errors === "oauth") ctx.state.errorFormat = "oauth";
    // Every audited request has its record, also one refused before its body is read or validated.
    if (spec.audited) {
      ctx.state.audit = {};
      ctx.state.auditEvent = spec.audited;
    }
    // Only awaited when a limiter applies: `await undefined` would still cost a turn of the queue.
    const limiter =
      spec.rateLimited === "always" ? current.signInLimiter : spec.rateLimited && current.limiter;
    if (limiter) {
      const wait = await limiter.take(ctx.state.client);
      if (wait > 0) throw new RateLimited("too many requests from this client; retry later", wait);
    }
    let body: unknown;
    if (spec.body === "json" || (spec.body === "optional-json" && hasBody(ctx))) {
      body = await readJsonBody(ctx.req, current.config.server.max_body_bytes);
      normalizeRequestKeys(route.operationId, body);
      if (spec.normalize) body = spec.normalize(body, deps);
    } else if (spec.body === "form") {
      body = await readFormBody(ctx.req, current.config.server.max_body_bytes);
    }
    const input = { path: {}, query: ctx.query, header: ctx.headers, cookie: {}, requestBody: body };
    route.validators ??= compile(route.operationId);
    for (const validate of route.validators) {
      if (!validate(input)) throw new InvalidRequest(validationReason(validate.errors));
    }
    const answer = await route.handle(ctx, body);
    ctx.status = answer.status;
    // Koa turns a body set to nothing into 204: an answer without a body (a redirect) keeps its status.
    if (answer.body !== undefined) ctx.body = answer.body;
  };
  dispatch.warm = () => {
    for (const route of routes.values()) route.validators ??= compile(route.operationId);
  };
  return dispatch;
}
