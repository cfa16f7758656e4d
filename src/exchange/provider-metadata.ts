/**
 * OpenID Connect discovery for one integration, fetched lazily on first need and kept; a provider
 * that is down at start does not stop the service, only exchanges that need it fail (503).
 */
import { InvalidProviderMetadata, ProviderUnavailable } from "../errors.js";
import type { Clock } from "./clock.js";
import type { ExchangeObserver } from "./observer.js";
import { FailureBackoff, isObject, providerFetch, readJson } from "./provider-http.js";

export interface ProviderMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
  userinfo_endpoint?: string;
}

const REFRESH_MS = 3_600_000;
const RETRY_AFTER_FAILURE_MS = 5_000;

/** A URL from the discovery document: https, or http only when the issuer itself is plain http (loopback). */
function optionalUrl(doc: Record<string, unknown>, key: string, issuer: string): string | undefined {
  const v = doc[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !URL.canParse(v))
    throw new InvalidProviderMetadata(`discovery ${key} is not a URL`);
  const protocol = new URL(v).protocol;
  if (protocol !== "https:" && !(protocol === "http:" && issuer.startsWith("http:"))) {
    throw new InvalidProviderMetadata(`discovery ${key} is not an https URL`);
  }
  return v;
}

export class ProviderMetadataSource {
  #value: ProviderMetadata | undefined;
  #fetchedAt = 0;
  #failedAt = 0;
  #pending: Promise<ProviderMetadata> | undefined;
  readonly #failure: FailureBackoff;

  constructor(
    private readonly integration: string,
    private readonly issuer: string,
    private readonly timeoutMs: number,
    private readonly now: Clock,
    private readonly observer: ExchangeObserver = {},
  ) {
    this.#failure = new FailureBackoff(now);
  }

  get discoveryUrl(): string {
    return `${this.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  }

  /** Current metadata; a stale copy is used while a refresh fails. */
  async get(): Promise<ProviderMetadata> {
    const now = this.now();
    if (this.#value && now - this.#fetchedAt < REFRESH_MS) return this.#value;
    if (this.#value && now - this.#failedAt < RETRY_AFTER_FAILURE_MS) return this.#value;
    if (!this.#value) this.#failure.check();
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    try {
      return await this.#pending;
    } catch (err) {
      this.#failedAt = this.now();
      this.#failure.record(err as Error);
      if (this.#value && err instanceof ProviderUnavailable) return this.#value;
      throw err;
    }
  }

  async #fetch(): Promise<ProviderMetadata> {
    let response: Response;
    try {
      response = await providerFetch(this.discoveryUrl, { timeoutMs: this.timeoutMs });
    } catch (err) {
      this.observer.providerCall?.("discovery", this.integration, "unavailable");
      throw err;
    }
    try {
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new ProviderUnavailable("the identity provider failed to answer discovery");
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new InvalidProviderMetadata("the identity provider has no valid discovery document");
      }
      const doc = await readJson(response);
      if (!isObject(doc))
        throw new InvalidProviderMetadata("the identity provider's discovery document is not JSON");
      // OpenID Connect Discovery §4.3: the document must name exactly the issuer we asked.
      if (doc.issuer !== this.issuer) {
        throw new InvalidProviderMetadata("the identity provider's discovery document names another issuer");
      }
      const jwks_uri = optionalUrl(doc, "jwks_uri", this.issuer);
      if (jwks_uri === undefined) throw new InvalidProviderMetadata("the discovery document has no jwks_uri");
      const value: ProviderMetadata = {
        issuer: this.issuer,
        jwks_uri,
        introspection_endpoint: optionalUrl(doc, "introspection_endpoint", this.issuer),
        userinfo_endpoint: optionalUrl(doc, "userinfo_endpoint", this.issuer),
      };
      this.#value = value;
      this.#fetchedAt = this.now();
      this.observer.providerCall?.("discovery", this.integration, "ok");
      return value;
    } catch (err) {
      this.observer.providerCall?.(
        "discovery",
        this.integration,
        err instanceof ProviderUnavailable ? "unavailable" : "invalid",
      );
      throw err;
    }
  }
}
