/**
 * `explain`: the decisions of an exchange without its effects. The token is verified and judged by the
 * very steps of the exchange core (verify-subject.ts); nothing is minted, no rate limit is taken, and a
 * `replay: once` token is not used up. What it returns names claim values (for the operator who holds
 * the token), never the token itself.
 */
import type { BindingDecision, BoundIdentity } from "../bindings/binding-set.js";
import { describeSeen } from "../bindings/condition.js";
import type { Config } from "../config/schema.js";
import { SsoError } from "../errors.js";
import { decodeJws } from "../keys/jws.js";
import { isRecord } from "../lib/is-record.js";
import type { ExchangeFacts, ExchangeRequest } from "./exchange.js";
import { refreshLifetimeSeconds } from "./refresh.js";
import { FOREIGN_AZP } from "./verify-jwt.js";
import {
  authorizeDatabase,
  decideBinding,
  identityFrom,
  type SubjectContext,
  verifySubject,
} from "./verify-subject.js";

export interface Refusal {
  status: number;
  vendor_code: number;
  reason: string;
  /** The rule class the audit record would name. */
  rule?: string;
  /** More than the client would be told (a CEL error), for the operator. */
  detail?: string;
}

export interface Explanation {
  kind: "id_token" | "access_token";
  /** The unverified `iss` and `sub` the token names (shortened), when it is a JWT. */
  iss?: string;
  sub?: string;
  integration?: string;
  verified: boolean;
  decision?: BindingDecision;
  identity?: BoundIdentity;
  database: string;
  granted?: boolean;
  /**
   * What a real exchange would mint: its lifetime, how long after `auth_time` it may be refreshed (0:
   * never), and whether it uses the token up.
   */
  mint?: {
    lifetime_seconds: number;
    refresh_lifetime_seconds: number;
    replay: "allow" | "once";
    binding?: string;
  };
  refusal?: Refusal;
}

function unverifiedClaims(token: string): Record<string, unknown> {
  const jws = decodeJws(token);
  return typeof jws === "object" && isRecord(jws.payload) ? jws.payload : {};
}

/** What to do when an id_token's `azp` names the workload that asked for it (Google service accounts). */
function foreignPartyHint(err: unknown, claims: Record<string, unknown>): string | undefined {
  if (!(err instanceof SsoError) || err.cause !== FOREIGN_AZP) return undefined;
  return `its azp ${describeSeen(claims.azp)} is not one of the integration's audiences; if azp names the workload that asked for the token rather than a client of this service (a Google service account does), set id_tokens.check_azp: false and pin the workload in conditions or bindings`;
}

function refusalOf(err: unknown, facts: ExchangeFacts, detail?: string): Refusal {
  if (!(err instanceof SsoError)) throw err;
  return {
    status: err.status,
    vendor_code: err.vendorCode,
    reason: err.message,
    ...(facts.rule !== undefined && { rule: facts.rule }),
    ...(detail !== undefined && { detail }),
  };
}

export async function explainExchange(
  ctx: SubjectContext,
  token: Config["token"],
  request: ExchangeRequest,
  now: number,
): Promise<Explanation> {
  const subjectToken = request.id_token ?? request.access_token;
  const claims = unverifiedClaims(subjectToken);
  const facts: ExchangeFacts = {};
  const explanation: Explanation = {
    kind: request.id_token !== undefined ? "id_token" : "access_token",
    verified: false,
    database: request.database,
    ...(typeof claims.iss === "string" && { iss: describeSeen(claims.iss) }),
    ...(typeof claims.sub === "string" && { sub: describeSeen(claims.sub) }),
  };
  try {
    const subject = await verifySubject(ctx, request, facts, now);
    explanation.verified = true;
    explanation.integration = subject.integration.name;
    const decision = decideBinding(subject, facts);
    explanation.decision = decision;
    try {
      explanation.identity = identityFrom(subject, decision, facts);
    } catch (err) {
      explanation.refusal = refusalOf(err, facts, decision.refusal?.detail ?? decision.refusal?.reason);
      return explanation;
    }
    try {
      authorizeDatabase(ctx.policy, subject, explanation.identity, request.database, decision, facts);
    } catch (err) {
      explanation.granted = false;
      explanation.refusal = refusalOf(err, facts);
      return explanation;
    }
    explanation.granted = true;
    const nowSec = Math.floor(now / 1000);
    const limits = [token.ttl_seconds, decision.binding?.maxTtlSeconds ?? token.ttl_seconds];
    if (token.bind_to_subject_expiry && subject.exp !== undefined)
      limits.push(Math.floor(subject.exp) - nowSec);
    explanation.mint = {
      lifetime_seconds: Math.min(...limits),
      refresh_lifetime_seconds: refreshLifetimeSeconds(token.refresh_lifetime_seconds, decision.binding),
      replay: decision.binding?.replay ?? subject.integration.config.replay,
      ...(decision.binding && { binding: decision.binding.name }),
    };
  } catch (err) {
    explanation.integration ??= facts.integration;
    explanation.refusal = refusalOf(err, facts, foreignPartyHint(err, claims));
  }
  return explanation;
}
