/**
 * The exchange core: verify the subject token, check access, mint. It knows nothing of HTTP; the
 * server's handler adapts it to HTTP.
 */
import { createHash } from "node:crypto";
import type { Config } from "../config/schema.js";
import { InvalidRequest, RateLimited, UnknownIssuer } from "../errors.js";
import { MemoryStore } from "../state/memory-store.js";
import type { StateStore } from "../state/store.js";
import { AccessPolicy, identityOf } from "./access-policy.js";
import { checkSize } from "./inspect-token.js";
import { type Integration, IntegrationRegistry } from "./integration.js";
import { TokenMinter } from "./mint-token.js";
import type { ExchangeObserver } from "./observer.js";
import { claimOnce } from "./replay-guard.js";
import type { KeyStore } from "./signing-keys.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { verifyAccessToken } from "./verify-access-token.js";
import { verifyIdToken } from "./verify-id-token.js";

export type ExchangeRequest =
  | { database: string; id_token: string; access_token?: undefined }
  | { database: string; access_token: string; id_token?: undefined };

export interface ExchangeResult {
  token: string;
  database: string;
  expiresIn: number;
  jti: string;
}

/** What the audit record of one exchange says, filled in as the exchange learns it. */
export interface ExchangeFacts {
  integration?: string;
  user?: string;
  jti?: string;
}

export interface ExchangeOptions {
  /** Milliseconds since the epoch; tests freeze it. */
  now?: () => number;
  observer?: ExchangeObserver;
  /**
   * Shared state: `agreement` holds used subject tokens (`replay: once`); `cache`, when set, is where
   * opaque-token checks are cached (else each checker keeps its own). Process memory when absent.
   */
  state?: { agreement: StateStore; cache?: StateStore };
  /** The rate limit per subject, once the subject is known: 0 when allowed, else seconds to wait. */
  limitSubject?: (key: string) => Promise<number>;
}

export class ExchangeService {
  readonly integrations: IntegrationRegistry;
  readonly policy: AccessPolicy;
  readonly #minter: TokenMinter;
  readonly #now: () => number;
  readonly #maxTokenBytes: number;
  readonly #used: StateStore;
  readonly #limitSubject: ((key: string) => Promise<number>) | undefined;

  constructor(
    readonly config: Config,
    keys: KeyStore,
    options: ExchangeOptions = {},
  ) {
    this.integrations = new IntegrationRegistry(config.integrations, options.observer, options.state?.cache);
    this.policy = new AccessPolicy(config.databases, this.integrations);
    this.#minter = new TokenMinter(config.token, keys);
    this.#now = options.now ?? Date.now;
    this.#maxTokenBytes = config.server.max_token_bytes;
    this.#used = options.state?.agreement ?? new MemoryStore();
    this.#limitSubject = options.limitSubject;
  }

  readonly #integrationFor = (iss: string): Integration => {
    const integration = this.integrations.byIssuer(iss);
    if (!integration) throw new UnknownIssuer("the token's issuer is not trusted");
    return integration;
  };

  async exchange(request: ExchangeRequest, facts: ExchangeFacts = {}): Promise<ExchangeResult> {
    const { database } = request;
    const hasId = typeof request.id_token === "string";
    const hasAccess = typeof request.access_token === "string";
    if (hasId === hasAccess) throw new InvalidRequest("provide exactly one of id_token and access_token");
    if (typeof database !== "string" || database === "") throw new InvalidRequest("database is required");
    const token = (request.id_token ?? request.access_token) as string;
    checkSize(token, this.#maxTokenBytes);
    const now = this.#now();
    // Known as soon as the token's issuer picks it, so the audit record of a refusal names it too.
    const integrationFor = (iss: string): Integration => {
      const integration = this.#integrationFor(iss);
      facts.integration = integration.name;
      return integration;
    };
    const subject: VerifiedSubject = hasId
      ? await verifyIdToken(token, integrationFor, now)
      : await verifyAccessToken(token, integrationFor, this.policy.opaqueCheckerOf(database), now);
    facts.integration = subject.integration.name;
    const identity = identityOf(subject);
    facts.user = identity.user;
    if (this.#limitSubject) {
      // Hashed: a user claim may be long, and the key lands in Redis.
      const key = createHash("sha256")
        .update(`${subject.integration.name}\0${identity.user}`)
        .digest("base64url");
      const wait = await this.#limitSubject(`sub:${key}`);
      if (wait > 0) throw new RateLimited("too many token exchanges for this user; retry later", wait);
    }
    this.policy.authorize(subject, identity, database);
    // Last before minting: a refused exchange never uses the token up.
    await claimOnce(this.#used, subject, token, now);
    const minted = await this.#minter.mint(subject, identity, database, now);
    facts.jti = minted.jti;
    return { token: minted.token, database, expiresIn: minted.expiresIn, jti: minted.jti };
  }
}
