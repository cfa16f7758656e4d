/**
 * One provider's key set, fetched over HTTP. Unlike jose's createRemoteJWKSet it keeps serving keys
 * it already has while the provider is down (for a bounded stale period), and it reports each fetch.
 * Unknown `kid`s trigger at most one refetch per cooldown, so random kids cannot cause a fetch storm.
 */

import type { Clock } from "../clock.js";
import { InvalidProviderKeySet, ProviderUnavailable, SigningKeyUnknown, SsoError } from "../errors.js";
import { importPublicJwk, keyFits, type VerificationKey } from "../keys/jws.js";
import { isRecord } from "../lib/is-record.js";
import type { ExchangeObserver } from "./observer.js";
import { checkAnswerStatus, FailureBackoff, providerFetch, readJson } from "./provider-http.js";

export interface RemoteKeySetOptions {
  integration: string;
  /** Resolves the key set URL (configured, or from discovery). */
  url: () => Promise<string>;
  timeoutMs: number;
  cooldownMs: number;
  maxAgeMs: number;
  maxStaleMs: number;
  /** The clock of the max age, stale period, cooldown and failure backoff. */
  now: Clock;
  observer?: ExchangeObserver;
}

const USABLE_KTY = new Set(["RSA", "EC", "OKP"]);

/** The header fields that select a key; `jku`, `x5u`, `jwk` and `x5c` are never looked at. */
export interface KeySelector {
  alg: string;
  kid?: unknown;
}

export function select(keys: readonly VerificationKey[], { alg, kid }: KeySelector): VerificationKey[] {
  return keys.filter((k) => (kid === undefined || k.kid === kid) && keyFits(k, alg));
}

export class RemoteKeySet {
  #keys: readonly VerificationKey[] | undefined;
  #fetchedAt = 0;
  #attemptedAt = 0;
  readonly #failure: FailureBackoff;
  #pending: Promise<void> | undefined;

  constructor(private readonly opts: RemoteKeySetOptions) {
    this.#failure = new FailureBackoff(opts.now);
  }

  /**
   * The keys that may have signed a token with this header: by `kid` when it has one, and fitting
   * the algorithm. An unknown `kid` refreshes the set, at most once per cooldown.
   */
  async candidates(header: KeySelector): Promise<VerificationKey[]> {
    return this.freshCandidates(header) ?? this.#candidates(header);
  }

  /**
   * The answer of `candidates` when it needs no fetch (the set is loaded, within its max age, and has
   * fitting keys), without a promise; undefined otherwise, and `candidates` decides.
   */
  freshCandidates(header: KeySelector): VerificationKey[] | undefined {
    if (!this.#keys || this.opts.now() - this.#fetchedAt > this.opts.maxAgeMs) return undefined;
    const found = select(this.#keys, header);
    return found.length > 0 ? found : undefined;
  }

  async #candidates(header: KeySelector): Promise<VerificationKey[]> {
    const age = this.opts.now() - this.#fetchedAt;
    if (!this.#keys) {
      await this.#refresh();
    } else if (age > this.opts.maxAgeMs) {
      try {
        await this.#refresh();
      } catch (err) {
        if (age > this.opts.maxAgeMs + this.opts.maxStaleMs) throw err;
      }
    }
    const found = select(this.#keys ?? [], header);
    if (found.length > 0) return found;
    if (this.opts.now() - this.#attemptedAt < this.opts.cooldownMs) {
      throw new SigningKeyUnknown("the token's signing key is unknown to its provider");
    }
    await this.#refresh();
    const again = select(this.#keys ?? [], header);
    if (again.length === 0) throw new SigningKeyUnknown("the token's signing key is unknown to its provider");
    return again;
  }

  /** Fetches the key set now; resolves with how many usable keys it has (check-config reports it). */
  async load(): Promise<number> {
    await this.#refresh();
    return this.#keys?.length ?? 0;
  }

  #refresh(): Promise<void> {
    try {
      this.#failure.check();
    } catch (err) {
      return Promise.reject(err);
    }
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.#attemptedAt = this.opts.now();
    const { integration, observer } = this.opts;
    try {
      const response = await providerFetch(await this.opts.url(), { timeoutMs: this.opts.timeoutMs });
      await checkAnswerStatus(
        response,
        "for its key set",
        () => new InvalidProviderKeySet("the identity provider did not serve a key set"),
      );
      this.#keys = toVerificationKeys(await readJson(response));
      this.#fetchedAt = this.opts.now();
      this.#failure.clear();
      observer?.providerCall?.("jwks", integration, "ok");
    } catch (err) {
      const failure =
        err instanceof SsoError ? err : new ProviderUnavailable("key set fetch failed", { cause: err });
      this.#failure.record(failure);
      observer?.providerCall?.(
        "jwks",
        integration,
        failure instanceof ProviderUnavailable ? "unavailable" : "invalid",
      );
      throw failure;
    }
  }
}

/** The keys of a JWK Set that can verify signatures; keys of other uses or unknown types are skipped. */
export function toVerificationKeys(jwks: unknown): VerificationKey[] {
  if (!isRecord(jwks) || !Array.isArray(jwks.keys)) {
    throw new InvalidProviderKeySet("the identity provider's key set is not a JWK Set");
  }
  const keys: VerificationKey[] = [];
  for (const jwk of jwks.keys) {
    if (!isRecord(jwk) || typeof jwk.kty !== "string" || !USABLE_KTY.has(jwk.kty)) continue;
    if (jwk.use !== undefined && jwk.use !== "sig") continue;
    if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) continue;
    // A key with private members is a provider's mistake; only its public part is ever used.
    try {
      keys.push(importPublicJwk(jwk));
    } catch {
      // Unparsable keys are skipped, as jose does; the set is refused below only if none is usable.
    }
  }
  if (keys.length === 0) throw new InvalidProviderKeySet("the identity provider's key set has no usable key");
  return keys;
}
