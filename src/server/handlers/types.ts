import type { ParameterizedContext } from "koa";
import type { ExchangeFacts } from "../../exchange/exchange.js";
import type { Metrics } from "../metrics.js";
import type { AuditEvent } from "../operations.js";
import type { ServiceState } from "../runtime.js";

/** What every handler can reach: the running service and its metrics. */
export interface HandlerDeps {
  service: ServiceState;
  metrics: Metrics;
  /** The generated OpenAPI document the router is built from. */
  document: Record<string, unknown>;
}

export interface RequestState {
  requestId: string;
  /** The client's address (see request-log.ts), which also keys the rate limit. */
  client: string;
  /** The audit facts of an operation that mints, logged on the request's line; filled in as they are learned. */
  audit?: ExchangeFacts;
  /** Which kind of minting the audit record is of. */
  auditEvent?: AuditEvent;
  /** How errors are rendered: an OAuth token endpoint's way, or Ocient's (default). */
  errorFormat?: "oauth";
}

export type KoaContext = ParameterizedContext<RequestState>;
