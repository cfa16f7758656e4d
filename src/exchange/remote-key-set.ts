/**
 * One provider's key set, fetched over HTTP. Unlike jose's createRemoteJWKSet it keeps serving keys
 * it already has while the provider is down (for a bounded stale period), and it reports each fetch.
 * Unknown `kid`s trigger at most one refetch per cooldown, so random kids cannot cause a fetch storm.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { InvalidProviderKeySet, ProviderUnavailable, SigningKeyUnknown, SsoError } from "../errors.js";
import type { ExchangeObserver } from "./observer.js";
import { isObject, providerFetch, readJson } from "./provider-http.js";

export interface RemoteKeySetOptions {
  integration: string;
  /** Resolves the key set URL (configured, or from discovery). */
  url: () => Promise<string>;
  timeoutMs: number;
  cooldownMs: number;
  maxAgeMs: number;
  maxStaleMs: number;
  observer?: ExchangeObserver;
}

/** After a failed fetch, callers get the same failure for this long instead of a new fetch each. */
const FAILURE_BACKOFF_MS = 1_000;
const USABLE_KTY = new Set(["RSA", "EC", "OKP"]);

type LocalSet = ReturnType<typeof createLocalJWKSet>;

export class RemoteKeySet {
  #local: LocalSet | undefined;
  #fetchedAt = 0;
  #attemptedAt = 0;
  #lastFailure: SsoError | undefined;
  #pending: Promise<void> | undefined;
  /** Fetches performed, for tests and metrics. */
  fetches = 0;

  constructor(private readonly opts: RemoteKeySetOptions) {}

  /** A jose key resolver bound to this provider's keys only. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = Date.now();
    const age = now - this.#fetchedAt;
    if (!this.#local) {
      await this.#refresh();
    } else if (age > this.opts.maxAgeMs) {
      try {
        await this.#refresh();
      } catch (err) {
        if (age > this.opts.maxAgeMs + this.opts.maxStaleMs) throw err;
      }
    }
    const local = this.#local as LocalSet;
    try {
      return await local(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (Date.now() - this.#attemptedAt < this.opts.cooldownMs) {
        throw new SigningKeyUnknown("the token's signing key is unknown to its provider", { cause: err });
      }
      await this.#refresh();
      try {
        return await (this.#local as LocalSet)(header, token);
      } catch (again) {
        if (again instanceof errors.JWKSNoMatchingKey) {
          throw new SigningKeyUnknown("the token's signing key is unknown to its provider", { cause: again });
        }
        throw again;
      }
    }
  };

  #refresh(): Promise<void> {
    if (this.#lastFailure && Date.now() - this.#attemptedAt < FAILURE_BACKOFF_MS) {
      return Promise.reject(this.#lastFailure);
    }
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.#attemptedAt = Date.now();
    this.fetches++;
    const { integration, observer } = this.opts;
    try {
      const response = await providerFetch(await this.opts.url(), { timeoutMs: this.opts.timeoutMs });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new ProviderUnavailable("the identity provider failed to serve its key set");
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new InvalidProviderKeySet("the identity provider did not serve a key set");
      }
      const jwks = await readJson(response);
      const local = toLocalSet(jwks);
      this.#local = local;
      this.#fetchedAt = Date.now();
      this.#lastFailure = undefined;
      observer?.providerCall?.("jwks", integration, "ok");
    } catch (err) {
      const failure =
        err instanceof SsoError ? err : new ProviderUnavailable("key set fetch failed", { cause: err });
      this.#lastFailure = failure;
      observer?.providerCall?.(
        "jwks",
        integration,
        failure instanceof ProviderUnavailable ? "unavailable" : "invalid",
      );
      throw failure;
    }
  }
}

function toLocalSet(jwks: unknown): LocalSet {
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) {
    throw new InvalidProviderKeySet("the identity provider's key set is not a JWK Set");
  }
  const usable = jwks.keys.filter(
    (k): k is Record<string, unknown> =>
      isObject(k) &&
      typeof k.kty === "string" &&
      USABLE_KTY.has(k.kty) &&
      (k.use === undefined || k.use === "sig"),
  );
  if (usable.length === 0)
    throw new InvalidProviderKeySet("the identity provider's key set has no usable key");
  try {
    return createLocalJWKSet({ keys: usable } as unknown as JSONWebKeySet);
  } catch (cause) {
    throw new InvalidProviderKeySet("the identity provider's key set is not a JWK Set", { cause });
  }
}
