/**
 * Who may open which database. A database is served by the integration configured for it, or by the
 * one of `system`, which other databases inherit (as in Ocient). Unknown databases and databases not
 * granted to the user get the same answer, so a caller cannot enumerate them.
 */
import type { BindingDecision, BindingGrant } from "../bindings/binding-set.js";
import { type DatabaseConfig, integrationOfDatabase } from "../config/schema.js";
import { AccessDenied, InvalidAccessToken, InvalidClaim } from "../errors.js";
import type { Integration, IntegrationRegistry } from "../provider/integration.js";
import type { OpaqueTokenChecker } from "../provider/opaque-token-checker.js";
import type { VerifiedSubject } from "./verified-subject.js";

export interface Identity {
  user: string;
  groups: string[];
}

export const DENIED = "the database does not exist or the user may not open it";

/** The integration's `required_claims` hold on every token (a list claim must contain the value). */
export function checkRequiredClaims(subject: VerifiedSubject): void {
  const { claims } = subject;
  for (const [claim, expected] of Object.entries(subject.integration.config.required_claims ?? {})) {
    const actual = claims[claim];
    const holds = Array.isArray(actual) ? actual.includes(expected) : actual === expected;
    if (!holds)
      throw new InvalidClaim(`the ${subject.kind} does not satisfy the required claim "${claim}"`, claim);
  }
}

/**
 * The identity a verified token acts as: required claims, then the integration's conditions and
 * bindings. A token that meets no binding or condition is refused as an ungranted database is (the
 * same 403 for every database, so nothing is enumerated); `decision.refusal.rule` tells which rule.
 */
export function identityOf(subject: VerifiedSubject, decision: BindingDecision): Identity {
  checkRequiredClaims(subject);
  const { refusal, identity } = decision;
  if (refusal?.rule === "identity" || (!refusal && !identity))
    throw new InvalidClaim(
      `the ${subject.kind} ${refusal?.reason ?? "gives no user"}`,
      refusal?.claim ?? "sub",
    );
  if (refusal || !identity) throw new AccessDenied(DENIED);
  return identity;
}

/** Who checks an opaque token: the integration a verified one then belongs to, and its checker. */
export interface OpaqueCheck {
  integration: Integration;
  checker: OpaqueTokenChecker;
}

export class AccessPolicy {
  readonly #config: Record<string, DatabaseConfig>;
  readonly #databases: Map<string, DatabaseConfig>;
  readonly #fallback: Integration | undefined;
  readonly #anyOpaque: boolean;

  constructor(
    databases: Record<string, DatabaseConfig>,
    private readonly integrations: IntegrationRegistry,
  ) {
    this.#config = databases;
    this.#databases = new Map(Object.entries(databases));
    const systemName = integrationOfDatabase(databases, "system").name;
    this.#fallback = systemName ? integrations.byName(systemName) : undefined;
    this.#anyOpaque = integrations.all().some((i) => i.opaque !== undefined);
  }

  /** The integration serving a database; undefined for unknown databases. */
  integrationOf(database: string): Integration | undefined {
    if (!this.#databases.has(database)) return undefined;
    const { name } = integrationOfDatabase(this.#config, database);
    return name === undefined ? undefined : this.integrations.byName(name);
  }

  /**
   * The integration that checks an opaque token for this database. An opaque token names no issuer, so
   * the database picks the provider, and that choice must not tell which databases exist. A database whose
   * own integration takes opaque tokens gets it. Any other name, unknown or served by an integration that
   * takes none, gets system's when that takes them: the token is checked there and then refused as an
   * ungranted database is. Without such a fallback it is refused unsent, with the same 403, unless no
   * integration takes opaque tokens at all, which a 401 may then say for every database alike.
   */
  opaqueCheckOf(database: string): OpaqueCheck {
    const own = this.integrationOf(database);
    if (own?.opaque) return { integration: own, checker: own.opaque };
    const fallback = this.#fallback;
    if (fallback?.opaque) return { integration: fallback, checker: fallback.opaque };
    if (this.#anyOpaque) throw new AccessDenied(DENIED);
    throw new InvalidAccessToken("invalid access_token: opaque access tokens are not accepted");
  }

  /** A binding narrows the grant to its databases; the grant itself still comes from `databases`. */
  authorize(subject: VerifiedSubject, identity: Identity, database: string, binding?: BindingGrant): void {
    const db = this.#databases.get(database);
    if (!db || this.integrationOf(database) !== subject.integration) throw new AccessDenied(DENIED);
    if (binding?.databases && !binding.databases.includes(database)) throw new AccessDenied(DENIED);
    const granted = db.users.includes(identity.user) || identity.groups.some((g) => db.groups.includes(g));
    if (!granted) throw new AccessDenied(DENIED);
  }
}
