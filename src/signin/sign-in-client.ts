/**
 * The OAuth client this service is at a provider for sign-in (an integration's `sign_in`): which
 * endpoints the provider's discovery offers, how the client authenticates (client_secret_basic, or a
 * public client that sends its `client_id` and relies on PKCE), and the token endpoint's answers sorted
 * into what the device grant and the browser flow act on. Every call goes through providerFetch: bounded
 * by the integration's `http_timeout_ms`, never following redirects.
 */

import type { IntegrationConfig } from "../config/schema.js";
import { GrantRefused, ProviderUnavailable, SignInNotConfigured } from "../errors.js";
import type { AccessPolicy } from "../exchange/access-policy.js";
import { isRecord } from "../lib/is-record.js";
import type { Integration } from "../provider/integration.js";
import type { SignInCall } from "../provider/observer.js";
import { checkAnswerStatus, providerFetch, readJson } from "../provider/provider-http.js";
import { oauthErrorOf, type ProviderOAuthError } from "./oauth-error.js";

export type SignInConfig = NonNullable<IntegrationConfig["sign_in"]>;

export interface SignInEndpoints {
  authorization: string | undefined;
  token: string | undefined;
  deviceAuthorization: string | undefined;
  /** `code_challenge_methods_supported`, when the provider says. */
  pkceMethods: string[] | undefined;
  /** RFC 9207: the provider sends `iss` in every authorization response. */
  issInResponse: boolean;
}

/**
 * What the token endpoint said: tokens, or an OAuth error (RFC 6749 §5.2, RFC 8628 §3.5), which callers
 * pass on as the `cause` of what they throw so that the request's log line names it.
 */
export type TokenAnswer =
  | { kind: "tokens"; idToken: string }
  | { kind: "error"; error: string; interval?: number; cause: ProviderOAuthError };

export class SignInClient {
  /** RFC 6749 §2.3.1 client_secret_basic, built once: both parts form-urlencoded before base64. */
  readonly #basic: string | undefined;

  constructor(
    readonly integration: Integration,
    readonly config: SignInConfig,
  ) {
    const { client_id, client_secret } = config;
    this.#basic =
      client_secret === undefined
        ? undefined
        : `Basic ${Buffer.from(`${formEncode(client_id)}:${formEncode(client_secret)}`).toString("base64")}`;
  }

  get timeoutMs(): number {
    return this.integration.config.http_timeout_ms;
  }

  async endpoints(): Promise<SignInEndpoints> {
    const m = await this.integration.metadata.get();
    return {
      authorization: m.authorization_endpoint,
      token: m.token_endpoint,
      deviceAuthorization: m.device_authorization_endpoint,
      pkceMethods: m.code_challenge_methods_supported,
      issInResponse: m.authorization_response_iss_parameter_supported === true,
    };
  }

  /**
   * POSTs a form to a sign-in endpoint with the client's authentication and counts the call by result:
   * `ok` on 200, the provider's OAuth error code, `unavailable` (no answer, 5xx, a redirect), or `invalid`
   * (a refusal without a well-formed error). The JSON answer (undefined when not JSON) and status.
   */
  async post(
    call: SignInCall,
    url: string,
    form: URLSearchParams,
  ): Promise<{ status: number; body: unknown; error?: ProviderOAuthError }> {
    const count = (result: string) =>
      this.integration.observer.signInCall?.(call, this.integration.config.name, result);
    try {
      const { status, body } = await this.#post(url, form);
      if (status === 200) {
        count("ok");
        return { status, body };
      }
      // Whatever this request sent must not come back in a log through the provider's description.
      const sent = [...form.values(), this.config.client_secret ?? ""];
      const error = oauthErrorOf(body, sent);
      count(error?.result ?? "invalid");
      return { status, body, ...(error && { error }) };
    } catch (err) {
      count(err instanceof ProviderUnavailable ? "unavailable" : "invalid");
      throw err;
    }
  }

  async #post(url: string, form: URLSearchParams): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (this.#basic === undefined) form.set("client_id", this.config.client_id);
    else headers.authorization = this.#basic;
    const response = await providerFetch(url, {
      method: "POST",
      headers,
      body: form.toString(),
      timeoutMs: this.timeoutMs,
    });
    await checkAnswerStatus(response, "the sign-in request");
    return { status: response.status, body: await readJson(response) };
  }

  /** A token request (authorization code or device code), its answer sorted. */
  async token(form: URLSearchParams): Promise<TokenAnswer> {
    const { token } = await this.endpoints();
    if (token === undefined) throw new SignInNotConfigured("the identity provider offers no token endpoint");
    const { status, body, error } = await this.post("token", token, form);
    if (status === 200) {
      if (isRecord(body) && typeof body.id_token === "string")
        return { kind: "tokens", idToken: body.id_token };
      throw new GrantRefused("the identity provider's token endpoint answered without an id_token");
    }
    if (error !== undefined) {
      const interval = isRecord(body) && typeof body.interval === "number" ? body.interval : undefined;
      return { kind: "error", error: error.error, cause: error, ...(interval !== undefined && { interval }) };
    }
    throw new GrantRefused("the identity provider's token endpoint refused the request");
  }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * The sign-in client for a database: that of its integration. An unknown database gets the one of
 * `system`, so that it is refused after sign-in like a database not granted, not told apart before.
 */
export class SignInClients {
  readonly #clients = new Map<Integration, SignInClient>();

  constructor(private readonly policy: AccessPolicy) {}

  forDatabase(database: string): SignInClient {
    const integration = this.policy.integrationOf(database) ?? this.policy.integrationOf("system");
    const config = integration?.config.sign_in;
    if (integration === undefined || config === undefined) {
      throw new SignInNotConfigured("sign-in is not configured for this database");
    }
    return this.forIntegration(integration, config);
  }

  forIntegration(integration: Integration, config: SignInConfig): SignInClient {
    let client = this.#clients.get(integration);
    if (client === undefined) {
      client = new SignInClient(integration, config);
      this.#clients.set(integration, client);
    }
    return client;
  }
}
