import type { ParameterizedContext } from "koa";
import type { SsoError } from "../../errors.js";
import type { ExchangeFacts } from "../../exchange/exchange.js";
import type { Metrics } from "../metrics.js";
import type { ServiceState } from "../runtime.js";

/** What every handler can reach: the running service and its metrics. */
export interface HandlerDeps {
  service: ServiceState;
  metrics: Metrics;
  /** The generated OpenAPI document the router is built from. */
  document: Record<string, unknown>;
}

/** What an audited operation does: exchange a provider token, refresh one of ours, or sign in. */
export type AuditEvent = "exchange" | "refresh" | "sign_in";

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
  /** The refusal renderFailure rendered (error-handler.ts), for the request's log line. */
  error?: SsoError;
  /** What was thrown when the answer is a generic 500: logged, never sent. */
  unexpected?: unknown;
}

export type KoaContext = ParameterizedContext<RequestState>;
