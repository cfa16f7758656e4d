/**
 * The exchange core: verify the subject token, check access, mint. It knows nothing of HTTP; the
 * server's handler adapts it to HTTP.
 */

import type { RuleClass } from "../bindings/binding-set.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config/schema.js";
import { InvalidClaim, InvalidIdToken, PayloadTooLarge, RateLimited } from "../errors.js";
import type { KeyStore } from "../keys/key-store.js";
import { TokenMinter } from "../keys/mint-token.js";
import { digest } from "../lib/digest.js";
import { type Integration, IntegrationRegistry } from "../provider/integration.js";
import type { ExchangeObserver } from "../provider/observer.js";
import { MemoryStore } from "../state/memory-store.js";
import type { StateStore } from "../state/store.js";
import { AccessPolicy } from "./access-policy.js";
import { claimOnce } from "./replay-guard.js";
import { checkSize } from "./token-size.js";
import type { VerifiedSubject } from "./verified-subject.js";
import { type IdTokenExpectations, verifyIdToken } from "./verify-id-token.js";
import {
  authorizeDatabase,
  decideBinding,
  identityFrom,
  type SubjectContext,
  verifySubject,
} from "./verify-subject.js";

export type ExchangeRequest =
  | { database: string; id_token: string; access_token?: undefined }
  | { database: string; access_token: string; id_token?: undefined };

export interface ExchangeResult {
  token: string;
  database: string;
  expiresIn: number;
  /** The Ocient user the subject token maps to (`user_claim`). */
  user: string;
}

/** Sign-in: the id_token this service itself obtained from `integration`, and what the login sent. */
export interface SignInSubject extends IdTokenExpectations {
  idToken: string;
  integration: Integration;
}

/** What the audit record of one exchange or refresh says, filled in as it is learned. */
export interface ExchangeFacts {
  database?: string;
  integration?: string;
  /** The workload binding the token matched. */
  binding?: string;
  /** Which rule class refused the token (conditions, binding, identity, database). */
  rule?: RuleClass;
  user?: string;
  jti?: string;
  /** The refreshed token's `jti`, once its signature verified. */
  presentedJti?: string;
}

export interface ExchangeOptions {
  /** The clock of token checks, minting, and every provider cache and backoff; tests freeze or move it. */
  now: Clock;
  observer?: ExchangeObserver;
  /**
   * Shared state: `replay` holds used subject tokens (`replay: once`); `cache`, when set, is where
   * opaque-token checks are cached (else each checker keeps its own). Process memory when absent.
   */
  state?: { replay: StateStore; cache?: StateStore | undefined };
  /** The rate limit per subject, once the subject is known: 0 when allowed, else seconds to wait. */
  limitSubject?: (key: string) => Promise<number>;
}

export class ExchangeService {
  readonly integrations: IntegrationRegistry;
  readonly policy: AccessPolicy;
  readonly #minter: TokenMinter;
  readonly #now: Clock;
  readonly #maxTokenBytes: number;
  readonly #used: StateStore;
  readonly #limitSubject: ((key: string) => Promise<number>) | undefined;

  constructor(
    readonly config: Config,
    keys: KeyStore,
    options: ExchangeOptions,
  ) {
    this.integrations = new IntegrationRegistry(config.integrations, {
      ...options,
      cache: options.state?.cache,
    });
    this.policy = new AccessPolicy(config.databases, this.integrations);
    this.#minter = new TokenMinter(config.token, keys);
    this.#now = options.now;
    this.#maxTokenBytes = config.server.max_token_bytes;
    this.#used = options.state?.replay ?? new MemoryStore({ holds: "used subject tokens" });
    this.#limitSubject = options.limitSubject;
  }

  /** What verification and the access decision need: the integrations, the policy, the size cap. */
  get subjectContext(): SubjectContext {
    return { integrations: this.integrations, policy: this.policy, maxTokenBytes: this.#maxTokenBytes };
  }

  async fromSubjectToken(request: ExchangeRequest, facts: ExchangeFacts = {}): Promise<ExchangeResult> {
    // The request's shape (a database, exactly one token) is the operation's schema, checked before here.
    const now = this.#now();
    const subject = await verifySubject(this.subjectContext, request, facts, now);
    return this.#authorizeAndMint(
      subject,
      request.id_token ?? request.access_token,
      request.database,
      facts,
      now,
    );
  }

  /**
   * Sign-in (device grant, browser flow) is one more way of getting the provider's id_token: it goes
   * through the very verification, policy and minting of `fromSubjectToken`, and must come from the provider the
   * sign-in went to (its `iss` names that integration, else it is refused before any key is used).
   */
  async fromSignIn(
    subject: SignInSubject,
    database: string,
    facts: ExchangeFacts = {},
  ): Promise<ExchangeResult> {
    const { idToken, integration, ...expectations } = subject;
    facts.integration = integration.name;
    try {
      checkSize(idToken, this.#maxTokenBytes);
    } catch (err) {
      if (err instanceof PayloadTooLarge) throw new InvalidIdToken("the provider's id_token is too large");
      throw err;
    }
    const now = this.#now();
    const integrationFor = (iss: string): Integration => {
      if (iss !== integration.config.issuer)
        throw new InvalidClaim('the id_token\'s "iss" is not the provider the sign-in went to', "iss");
      return integration;
    };
    const verified = await verifyIdToken(idToken, integrationFor, now, expectations);
    return this.#authorizeAndMint(verified, idToken, database, facts, now);
  }

  async #authorizeAndMint(
    subject: VerifiedSubject,
    /** The subject token itself, whose hash a `replay: once` integration remembers. */
    token: string,
    database: string,
    facts: ExchangeFacts,
    now: number,
  ): Promise<ExchangeResult> {
    const decision = decideBinding(subject, facts);
    const identity = identityFrom(subject, decision, facts);
    if (this.#limitSubject) {
      // Hashed: a user claim may be long, and the key lands in Redis.
      const key = digest(`${subject.integration.name}\0${identity.user}`);
      const wait = await this.#limitSubject(`sub:${key}`);
      if (wait > 0) throw new RateLimited("too many token exchanges for this user; retry later", wait);
    }
    authorizeDatabase(this.policy, subject, identity, database, decision, facts);
    const replay = decision.binding?.replay ?? subject.integration.config.replay;
    // Last before minting: a refused exchange never uses the token up.
    if (replay === "once") await claimOnce(this.#used, subject, token, now);
    const minted = await this.#minter.mint(subject, identity, database, now, decision.binding);
    facts.jti = minted.jti;
    return {
      token: minted.token,
      database,
      expiresIn: minted.expiresIn,
      user: identity.user,
    };
  }
}
