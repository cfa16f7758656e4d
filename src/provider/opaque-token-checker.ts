/**
 * Opaque access tokens are checked at the provider: RFC 7662 introspection or the userinfo endpoint.
 * A positive answer is reused for at most `cache_ttl_seconds` and never past the token's own `exp`,
 * so a revoked token stops working within that bound. The cache is keyed by a hash, never the token.
 */

import type { Clock } from "../clock.js";
import type { IntegrationConfig } from "../config/schema.js";
import {
  InvalidAccessToken,
  InvalidAudience,
  InvalidClaim,
  InvalidProviderMetadata,
  TokenExpired,
  UnknownIssuer,
} from "../errors.js";
import { digest } from "../lib/digest.js";
import { isRecord } from "../lib/is-record.js";
import type { StateStore } from "../state/store.js";
import type { ExchangeObserver } from "./observer.js";
import {
  checkAnswerStatus,
  FailureBackoff,
  providerFetch,
  readJson,
  readJsonWhenOk,
} from "./provider-http.js";
import type { ProviderMetadataSource } from "./provider-metadata.js";

type AccessTokenConfig = NonNullable<IntegrationConfig["access_tokens"]>;

export interface OpaqueTokenInfo {
  claims: Record<string, unknown>;
  /** Seconds since the epoch, when the provider said. */
  exp: number | undefined;
  clientId: string | undefined;
}

const MAX_CACHE_ENTRIES = 10_000;

export class OpaqueTokenChecker {
  readonly #cache = new Map<string, { info: OpaqueTokenInfo; until: number }>();
  readonly #via: "introspection" | "userinfo";
  readonly #unavailable: FailureBackoff;

  constructor(
    private readonly integration: IntegrationConfig,
    private readonly access: AccessTokenConfig,
    private readonly metadata: ProviderMetadataSource,
    private readonly observer: ExchangeObserver,
    now: Clock,
    /** The cache shared by every instance (state.redis); this checker's own map when absent. */
    private readonly shared?: StateStore,
  ) {
    this.#unavailable = new FailureBackoff(now);
    this.#via = access.introspection ? "introspection" : "userinfo";
  }

  async check(token: string, nowMs: number): Promise<OpaqueTokenInfo> {
    const key = digest(token);
    if (this.shared) return this.#checkShared(this.shared, token, key, nowMs);
    const cached = this.#cache.get(key);
    if (cached && cached.until > nowMs) {
      this.observer.cacheHit?.(this.#via, this.integration.name);
      return cached.info;
    }
    if (cached) this.#cache.delete(key);
    const info =
      this.#via === "introspection" ? await this.#introspect(token, nowMs) : await this.#userinfo(token);
    const ttlMs = this.access.cache_ttl_seconds * 1000;
    const until = Math.min(
      nowMs + ttlMs,
      info.exp === undefined ? Number.POSITIVE_INFINITY : info.exp * 1000,
    );
    if (until > nowMs) {
      if (this.#cache.size >= MAX_CACHE_ENTRIES) this.#evict(nowMs);
      this.#cache.set(key, { info, until });
    }
    return info;
  }

  /** The same bounds as the map: never past `exp`, never longer than `cache_ttl_seconds`. */
  async #checkShared(
    shared: StateStore,
    token: string,
    hash: string,
    nowMs: number,
  ): Promise<OpaqueTokenInfo> {
    const key = `opaque:${this.integration.name}:${this.#via}:${hash}`;
    const cached = await shared.get(key);
    if (cached !== undefined) {
      this.observer.cacheHit?.(this.#via, this.integration.name);
      return JSON.parse(cached) as OpaqueTokenInfo;
    }
    const info =
      this.#via === "introspection" ? await this.#introspect(token, nowMs) : await this.#userinfo(token);
    const until = Math.min(
      nowMs + this.access.cache_ttl_seconds * 1000,
      info.exp === undefined ? Infinity : info.exp * 1000,
    );
    if (until > nowMs) await shared.put(key, JSON.stringify(info), until - nowMs);
    return info;
  }

  #evict(nowMs: number): void {
    for (const [k, v] of this.#cache) if (v.until <= nowMs) this.#cache.delete(k);
    // Still full: drop the oldest insertions (Map keeps insertion order).
    for (const k of this.#cache.keys()) {
      if (this.#cache.size < MAX_CACHE_ENTRIES) break;
      this.#cache.delete(k);
    }
  }

  async #call(kind: "introspection" | "userinfo", url: string, init: Parameters<typeof providerFetch>[1]) {
    this.#unavailable.check();
    try {
      const response = await providerFetch(url, init);
      await checkAnswerStatus(response, kind);
      this.#unavailable.clear();
      return response;
    } catch (err) {
      this.#unavailable.record(err as Error);
      this.observer.providerCall?.(kind, this.integration.name, "unavailable");
      throw err;
    }
  }

  async #introspect(token: string, nowMs: number): Promise<OpaqueTokenInfo> {
    const cfg = this.access.introspection as NonNullable<AccessTokenConfig["introspection"]>;
    const endpoint = cfg.endpoint ?? (await this.metadata.get()).introspection_endpoint;
    if (!endpoint) throw new InvalidProviderMetadata("the identity provider has no introspection endpoint");
    const form = new URLSearchParams({ token, token_type_hint: "access_token" });
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (cfg.auth_method === "client_secret_post") {
      form.set("client_id", cfg.client_id);
      form.set("client_secret", cfg.client_secret);
    } else {
      // RFC 6749 §2.3.1: form-encode each part before base64.
      const id = encodeURIComponent(cfg.client_id);
      const secret = encodeURIComponent(cfg.client_secret);
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
    }
    const response = await this.#call("introspection", endpoint, {
      method: "POST",
      headers,
      body: form.toString(),
      timeoutMs: this.integration.http_timeout_ms,
    });
    if (response.status === 401 || response.status === 403) {
      await response.body.cancel();
      this.observer.providerCall?.("introspection", this.integration.name, "invalid");
      throw new InvalidProviderMetadata(
        "the identity provider refused this service's introspection credentials",
      );
    }
    if (response.status === 400) {
      const refusal = await readJson(response);
      // RFC 7009 §2.2.1's code, which oidc-provider answers for a token shaped as a JWT: not one it vouches for.
      if (isRecord(refusal) && refusal.error === "unsupported_token_type") {
        this.observer.providerCall?.("introspection", this.integration.name, "rejected");
        throw new InvalidAccessToken("the access_token was refused by its provider");
      }
    }
    const body = await readJsonWhenOk(response);
    if (!isRecord(body) || typeof body.active !== "boolean") {
      this.observer.providerCall?.("introspection", this.integration.name, "invalid");
      throw new InvalidProviderMetadata("the identity provider's introspection answer is invalid");
    }
    if (!body.active) {
      this.observer.providerCall?.("introspection", this.integration.name, "rejected");
      throw new InvalidAccessToken("the access_token is not active");
    }
    this.observer.providerCall?.("introspection", this.integration.name, "ok");
    // An active refresh token (or any other kind) is not an access token.
    if (body.token_type !== undefined && !/^(access_token|bearer)$/i.test(String(body.token_type))) {
      throw new InvalidAccessToken("the token is not an access token");
    }
    const skew = this.integration.clock_skew_seconds;
    const exp = typeof body.exp === "number" ? body.exp : undefined;
    if (exp !== undefined && exp + skew <= nowMs / 1000)
      throw new TokenExpired("the access_token has expired");
    if (body.iss !== undefined && body.iss !== this.integration.issuer) {
      throw new UnknownIssuer("the access_token issuer is not trusted");
    }
    const clientId = typeof body.client_id === "string" ? body.client_id : undefined;
    const aud = typeof body.aud === "string" ? [body.aud] : Array.isArray(body.aud) ? body.aud : undefined;
    const audiences = this.integration.audiences;
    const meant = aud
      ? aud.some((a) => audiences.includes(a))
      : clientId !== undefined && audiences.includes(clientId);
    if (!meant) throw new InvalidAudience("the access_token is not meant for this service");
    if (typeof body.sub !== "string" || body.sub === "")
      throw new InvalidClaim('the access_token has no "sub"', "sub");
    return { claims: body, exp, clientId };
  }

  async #userinfo(token: string): Promise<OpaqueTokenInfo> {
    const endpoint = (await this.metadata.get()).userinfo_endpoint;
    if (!endpoint) throw new InvalidProviderMetadata("the identity provider has no userinfo endpoint");
    const response = await this.#call("userinfo", endpoint, {
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: this.integration.http_timeout_ms,
    });
    if (response.status === 401 || response.status === 403) {
      await response.body.cancel();
      this.observer.providerCall?.("userinfo", this.integration.name, "rejected");
      throw new InvalidAccessToken("the access_token was refused by its provider");
    }
    const body = await readJsonWhenOk(response);
    if (!isRecord(body)) {
      this.observer.providerCall?.("userinfo", this.integration.name, "invalid");
      throw new InvalidProviderMetadata("the identity provider's userinfo answer is invalid");
    }
    this.observer.providerCall?.("userinfo", this.integration.name, "ok");
    if (typeof body.sub !== "string" || body.sub === "")
      throw new InvalidClaim('the access_token has no "sub"', "sub");
    return { claims: body, exp: undefined, clientId: undefined };
  }
}
