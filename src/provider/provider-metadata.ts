/**
 * OpenID Connect discovery for one integration, fetched lazily on first need and kept; a provider
 * that is down at start does not stop the service, only exchanges that need it fail (503).
 */

import type { Clock } from "../clock.js";
import { isProviderUrl, PROVIDER_URL_RULE } from "../config/provider-url.js";
import { InvalidProviderMetadata, ProviderUnavailable } from "../errors.js";
import { isRecord } from "../lib/is-record.js";
import type { ExchangeObserver } from "./observer.js";
import {
  checkAnswerStatus,
  FailureBackoff,
  type ProviderAnswer,
  providerFetch,
  readJson,
} from "./provider-http.js";

export interface ProviderMetadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
  userinfo_endpoint?: string;
  /** Sign-in (src/signin): the endpoints and capabilities it needs, when the provider offers them. */
  authorization_endpoint?: string;
  token_endpoint?: string;
  device_authorization_endpoint?: string;
  code_challenge_methods_supported?: string[];
  /** RFC 9207: the provider puts `iss` in every authorization response. */
  authorization_response_iss_parameter_supported?: boolean;
}

const REFRESH_MS = 3_600_000;
const RETRY_AFTER_FAILURE_MS = 5_000;

/** A URL from the discovery document, held to the rule of configured ones: https, or http to loopback. */
function optionalUrl(doc: Record<string, unknown>, key: string): string | undefined {
  const v = doc[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !URL.canParse(v))
    throw new InvalidProviderMetadata(`discovery ${key} is not a URL`);
  if (!isProviderUrl(v)) throw new InvalidProviderMetadata(`discovery ${key} ${PROVIDER_URL_RULE}`);
  return v;
}

/**
 * A sign-in endpoint: one that is not a valid URL reads as absent rather than failing discovery, so a
 * provider's odd sign-in metadata never stops the exchange (sign-in then answers that it is not offered).
 */
function signInUrl(doc: Record<string, unknown>, key: string): string | undefined {
  try {
    return optionalUrl(doc, key);
  } catch {
    return undefined;
  }
}

/** A list of strings from the discovery document; anything else reads as absent. */
function stringList(doc: Record<string, unknown>, key: string): string[] | undefined {
  const v = doc[key];
  return Array.isArray(v) && v.every((e) => typeof e === "string") ? v.slice(0, 32) : undefined;
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
    let response: ProviderAnswer;
    try {
      response = await providerFetch(this.discoveryUrl, { timeoutMs: this.timeoutMs });
    } catch (err) {
      this.observer.providerCall?.("discovery", this.integration, "unavailable");
      throw err;
    }
    try {
      await checkAnswerStatus(
        response,
        "discovery",
        () => new InvalidProviderMetadata("the identity provider has no valid discovery document"),
      );
      const doc = await readJson(response);
      if (!isRecord(doc))
        throw new InvalidProviderMetadata("the identity provider's discovery document is not JSON");
      // OpenID Connect Discovery §4.3: the document must name exactly the issuer we asked.
      if (doc.issuer !== this.issuer) {
        throw new InvalidProviderMetadata("the identity provider's discovery document names another issuer");
      }
      const jwks_uri = optionalUrl(doc, "jwks_uri");
      if (jwks_uri === undefined) throw new InvalidProviderMetadata("the discovery document has no jwks_uri");
      const value: ProviderMetadata = {
        issuer: this.issuer,
        jwks_uri,
        introspection_endpoint: optionalUrl(doc, "introspection_endpoint"),
        userinfo_endpoint: optionalUrl(doc, "userinfo_endpoint"),
        authorization_endpoint: signInUrl(doc, "authorization_endpoint"),
        token_endpoint: signInUrl(doc, "token_endpoint"),
        device_authorization_endpoint: signInUrl(doc, "device_authorization_endpoint"),
        code_challenge_methods_supported: stringList(doc, "code_challenge_methods_supported"),
        authorization_response_iss_parameter_supported:
          doc.authorization_response_iss_parameter_supported === true,
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
