/**
 * The steps of the exchange core before minting, as functions both doors and `explain` share: verify a
 * subject token by its kind (picking the integration by its exact `iss`), and decide who it acts as and
 * whether it may open the database.
 */
import type { BindingDecision } from "../bindings/binding-set.js";
import { InvalidClaim, UnknownIssuer } from "../errors.js";
import type { Integration, IntegrationRegistry } from "../provider/integration.js";
import { type AccessPolicy, type Identity, identityOf } from "./access-policy.js";
import type { ExchangeFacts, ExchangeRequest } from "./exchange.js";
import { checkSize } from "./token-size.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { verifyAccessToken } from "./verify-access-token.js";
import { verifyIdToken } from "./verify-id-token.js";

const LEGACY_KUBERNETES_ISSUER = "kubernetes/serviceaccount";

/** The integration a token's `iss` names; an unknown issuer causes no network call. */
export function integrationByIssuer(integrations: IntegrationRegistry, iss: string): Integration {
  // Legacy secret-based service-account tokens: no audience, no expiry, valid until the secret is deleted.
  if (iss === LEGACY_KUBERNETES_ISSUER)
    throw new InvalidClaim(
      "legacy Kubernetes service-account tokens (no audience, no expiry) are not accepted; use a projected token",
      "iss",
    );
  const integration = integrations.byIssuer(iss);
  if (!integration) throw new UnknownIssuer("the token's issuer is not trusted");
  return integration;
}

export interface SubjectContext {
  integrations: IntegrationRegistry;
  policy: AccessPolicy;
  maxTokenBytes: number;
}

/** Verifies the request's token as its kind says; `facts` learns the database and integration on the way. */
export async function verifySubject(
  ctx: SubjectContext,
  request: ExchangeRequest,
  facts: ExchangeFacts,
  now: number,
): Promise<VerifiedSubject> {
  const { database } = request;
  facts.database = database;
  const token = request.id_token ?? request.access_token;
  checkSize(token, ctx.maxTokenBytes);
  // Known as soon as the token's issuer picks it, so the audit record of a refusal names it too.
  const integrationFor = (iss: string): Integration => {
    const integration = integrationByIssuer(ctx.integrations, iss);
    facts.integration = integration.name;
    return integration;
  };
  return request.id_token !== undefined
    ? verifyIdToken(token, integrationFor, now)
    : verifyAccessToken(token, integrationFor, () => ctx.policy.opaqueCheckOf(database), now);
}

/** The integration's conditions and bindings over the verified claims; `facts` learns binding and rule. */
export function decideBinding(subject: VerifiedSubject, facts: ExchangeFacts): BindingDecision {
  facts.integration = subject.integration.name;
  const decision = subject.integration.bindings.decide(subject.claims);
  facts.binding = decision.binding?.name;
  facts.rule = decision.refusal?.rule;
  return decision;
}

/** The identity the decision gives (or its refusal); `facts` learns the user. */
export function identityFrom(
  subject: VerifiedSubject,
  decision: BindingDecision,
  facts: ExchangeFacts,
): Identity {
  const identity = identityOf(subject, decision);
  facts.user = identity.user;
  return identity;
}

/** The database grant, narrowed by the binding; a refusal is the `database` rule's. */
export function authorizeDatabase(
  policy: AccessPolicy,
  subject: VerifiedSubject,
  identity: Identity,
  database: string,
  decision: BindingDecision,
  facts: ExchangeFacts,
): void {
  try {
    policy.authorize(subject, identity, database, decision.binding);
  } catch (err) {
    facts.rule = "database";
    throw err;
  }
}
