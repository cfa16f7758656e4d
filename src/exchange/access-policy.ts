/**
 * Who may open which database. A database is served by the integration configured for it, or by the
 * one of `system`, which other databases inherit (as in Ocient). Unknown databases and databases not
 * granted to the user get the same answer, so a caller cannot enumerate them.
 */
import { type DatabaseConfig, type IntegrationConfig, integrationOfDatabase } from "../config/schema.js";
import { AccessDenied, InvalidAccessToken, InvalidClaim } from "../errors.js";
import type { Integration, IntegrationRegistry } from "../provider/integration.js";
import type { OpaqueTokenChecker } from "../provider/opaque-token-checker.js";
import type { VerifiedSubject } from "./verified-subject.js";

export interface Identity {
  user: string;
  groups: string[];
}

export const DENIED = "the database does not exist or the user may not open it";

/** The Ocient user and groups a verified token maps to, after the integration's `required_claims`. */
export function identityOf(subject: VerifiedSubject): Identity {
  const cfg: IntegrationConfig = subject.integration.config;
  const { claims } = subject;
  for (const [claim, expected] of Object.entries(cfg.required_claims ?? {})) {
    const actual = claims[claim];
    const holds = Array.isArray(actual) ? actual.includes(expected) : actual === expected;
    if (!holds)
      throw new InvalidClaim(`the ${subject.kind} does not satisfy the required claim "${claim}"`, claim);
  }
  const user = claims[cfg.user_claim];
  if (typeof user !== "string" || user === "") {
    throw new InvalidClaim(`the ${subject.kind} has no usable "${cfg.user_claim}" claim`, cfg.user_claim);
  }
  return { user, groups: groupsOf(claims, cfg.groups_claim) };
}

function groupsOf(claims: Record<string, unknown>, claim: string | undefined): string[] {
  if (claim === undefined) return [];
  const value = claims[claim];
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string" && g !== "");
  return [];
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

  authorize(subject: VerifiedSubject, identity: Identity, database: string): void {
    const db = this.#databases.get(database);
    if (!db || this.integrationOf(database) !== subject.integration) throw new AccessDenied(DENIED);
    const granted = db.users.includes(identity.user) || identity.groups.some((g) => db.groups.includes(g));
    if (!granted) throw new AccessDenied(DENIED);
  }
}
