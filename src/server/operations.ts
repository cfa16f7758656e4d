/**
 * The operations the server answers, typed from the generated document: each handler takes its
 * operation's request body type and returns one of its documented answers. `OPERATIONS` in routes.ts is
 * keyed by these ids, so `tsc` fails when the served document has an operation without a handler, or a
 * handler has no operation.
 */
import type { operations } from "../../generated/types.js";
import type { AuditEvent, HandlerDeps, KoaContext } from "./handlers/types.js";

export type OperationId = keyof operations;

type MediaBody<R> = R extends { content: infer C } ? C[keyof C] : undefined;

/**
 * The operation's JSON request body, already validated against its schema: `undefined` when it takes none,
 * or when its body is optional and the request sent none.
 */
export type RequestBody<Id extends OperationId> = operations[Id] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : operations[Id] extends { requestBody: { content: { "application/x-www-form-urlencoded": infer F } } }
    ? F
    : operations[Id] extends { requestBody?: { content: { "application/json": infer B } } }
      ? [B] extends [never]
        ? undefined
        : B | undefined
      : undefined;

type Responses<Id extends OperationId> = operations[Id]["responses"];

/** A JSON body serialized ahead of time (the generated document's own text), sent as is. */
export type SerializedJson = string & { readonly serializedJson: unique symbol };

/**
 * One documented answer of the operation that is not an error (errors are thrown as `SsoError`s and
 * rendered by renderFailure, error-handler.ts): its status and body, the body typed by its media type's schema.
 */
export type Answer<Id extends OperationId> = {
  [S in keyof Responses<Id>]: S extends number
    ? S extends 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 431 | 500 | 502
      ? never
      : { status: S; body: MediaBody<Responses<Id>[S]> | SerializedJson }
    : never;
}[keyof Responses<Id>];

export type OperationHandler<Id extends OperationId> = (
  ctx: KoaContext,
  body: RequestBody<Id>,
) => Answer<Id> | Promise<Answer<Id>>;

/** How the router treats one operation before its handler runs. */
export interface OperationRoute<Id extends OperationId> {
  /**
   * `json`: the body is read under `server.max_body_bytes` and validated; `optional-json`: the same when the
   * request has one (a request without a body, or with an empty one, has none); `form`: an
   * `application/x-www-form-urlencoded` body read under the same cap; `none`: the operation takes none.
   */
  body: "json" | "optional-json" | "form" | "none";
  /** `oauth`: errors are rendered as an OAuth token endpoint's (oauth-error.ts); Ocient's otherwise. */
  errors?: "oauth";
  /**
   * Taken from the per-client rate limit (`server.rate_limit`) before the body is read; `always`: also
   * without it, by the default limit of sign-in starts (runtime.ts SIGN_IN_START_LIMIT).
   */
  rateLimited: boolean | "always";
  /**
   * The audit event of an operation that mints (its log line is the audit record, also when refused
   * early), or false.
   */
  audited: AuditEvent | false;
  /** Rewrites the parsed body before schema validation (the published spec's key quirks, size caps). */
  normalize?: (body: unknown, deps: HandlerDeps) => unknown;
  handler: (deps: HandlerDeps) => OperationHandler<Id>;
}

export type OperationTable = { [Id in OperationId]: OperationRoute<Id> };
