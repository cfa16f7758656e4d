/**
 * The audit record of an operation that mints (exchange, refresh, sign-in): outcome, integration, binding,
 * the rule class that refused, user, database, minted `jti` (and the refreshed token's, `presented_jti`),
 * client address and `vendor_code`, on the request's log line; and its metrics.
 * Never a token.
 */
import type { SsoError } from "../errors.js";
import type { ExchangeFacts } from "../exchange/exchange.js";
import type { AuditEvent } from "./handlers/types.js";
import type { Metrics } from "./metrics.js";

/** Adds the audit record's fields to `line` (the request's log line, in place) and counts it. */
export function auditRecord(
  line: Record<string, unknown>,
  event: AuditEvent,
  facts: ExchangeFacts,
  client: string,
  error: SsoError | undefined,
  seconds: number,
  metrics: Metrics,
): void {
  const outcome = error ? (error.status >= 500 ? "failed" : "rejected") : "minted";
  const integration = facts.integration ?? "none";
  metrics.exchanges.inc({ event, outcome, vendor_code: String(error?.vendorCode ?? 0), integration });
  metrics.exchangeSeconds.observe({ outcome }, seconds);
  line.event = event;
  line.outcome = outcome;
  line.integration = integration;
  line.binding = facts.binding;
  // Only the rule's class, never the claim that failed it: the audit carries no claim values.
  line.rule = error ? facts.rule : undefined;
  line.user = facts.user;
  line.database = facts.database;
  line.jti = facts.jti;
  line.presented_jti = facts.presentedJti;
  line.client = client;
  line.vendor_code = error?.vendorCode;
}
