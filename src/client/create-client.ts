/**
 * The typed client of the service: openapi-fetch over the generated `paths`, plus `exchange()`,
 * `refresh()` and `info()`. It imports nothing of the server, so it runs wherever `fetch` does.
 */
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/types.js";
import { type BrowserSignInInput, type BrowserSignInResult, browserSignIn } from "./browser-sign-in.js";
import { call, sessionToken } from "./call.js";
import { type DeviceSignInInput, type SignInResult, signInWithDevice } from "./device-sign-in.js";
import { badResponse } from "./exchange-error.js";

export interface SsoClientOptions {
  /** Base URL of the service, e.g. "https://sso.example.com" (http or https). Required. */
  baseUrl: string;
  /**
   * The `fetch` every request goes through (default: `globalThis.fetch`), passed as is to
   * openapi-fetch: use it for proxies, custom TLS, retries or tests.
   */
  fetch?: (input: Request) => Promise<Response>;
  /** Headers sent with every request (default: none besides `Content-Type`). */
  headers?: Record<string, string>;
  /**
   * In a browser: `"include"` lets a web app on another origin of the same site receive the sign-in
   * cookies and use the session cookie (see docs/sign-in.md). Default: the `fetch` default.
   */
  credentials?: "include" | "same-origin" | "omit";
}

/** `database` and exactly one of `idToken` / `accessToken`; both or neither does not compile. */
export type ExchangeInput =
  | { database: string; idToken: string; accessToken?: never }
  | { database: string; accessToken: string; idToken?: never };

export interface ExchangeResult {
  /** The minted Ocient access token (a compact JWS, `typ: at+jwt`). */
  token: string;
  /** The database the token is scoped to. */
  database: string;
  /** Seconds until the token expires. */
  expiresIn: number;
  tokenType: "Bearer";
}

export interface RefreshInput {
  /** A token this service minted (from `exchange()`, a sign-in, or an earlier refresh). */
  token: string;
  /** The database of the new token (default `system`, as published). */
  database?: string;
}

export interface RefreshResult extends ExchangeResult {
  /** The mapped Ocient user. */
  username: string;
}

export interface InfoResult {
  /** The database requests default to (`system`). */
  defaultDatabase: string;
  /** The served OpenAPI document's version. */
  openapiVersion: string;
}

export interface SsoClient {
  /** The openapi-fetch client over every documented route, for anything `exchange()` does not cover; it follows no redirect (a 3xx is its answer). */
  raw: Client<paths>;
  /**
   * Exchanges an OpenID Connect id_token or access_token for an Ocient access token scoped to
   * `input.database`. Rejects with {@link SsoExchangeError} on any failure: an error answer of the
   * service, no answer at all (`httpStatus` 0), or an answer that is not the documented JSON, a
   * redirect included (`code` "ERR_BAD_RESPONSE"): redirects are never followed, by `raw` either.
   */
  exchange(input: ExchangeInput): Promise<ExchangeResult>;
  /**
   * A new token for the same session (`POST /v1/token_refresh`), checked again against today's grants.
   * Rejects with {@link SsoExchangeError} as `exchange()` does; -1208 means the session is over: sign in again.
   */
  refresh(input: RefreshInput): Promise<RefreshResult>;
  /** `GET /v1/info`: the default database and the served document's version. */
  info(): Promise<InfoResult>;
  /**
   * Signs a person in with the device grant (RFC 8628): starts it, hands the prompt to `onPrompt`, then
   * waits for the person as published (see {@link DeviceSignInInput}). Rejects with `signal.reason` when
   * cancelled, and with {@link SsoExchangeError} (`operation` "signInWithDevice") otherwise.
   */
  signInWithDevice(input: DeviceSignInInput): Promise<SignInResult>;
  /**
   * Starts the browser flow without a redirect (`do_redirect: false`) and answers the provider's URL for
   * the app to open; in a browser, pass `credentials: "include"` so the binding cookie is kept.
   */
  browserSignIn(input?: BrowserSignInInput): Promise<BrowserSignInResult>;
}

function checkOptions(options: SsoClientOptions): void {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new TypeError("options.baseUrl must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError("options.baseUrl must be an absolute http(s) URL");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new TypeError("options.fetch must be a function");
  }
}

export function createSsoClient(options: SsoClientOptions): SsoClient {
  checkOptions(options);
  const raw = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: options.fetch,
    headers: options.headers,
    // Following one would send the subject token again to wherever `Location` points.
    redirect: "manual",
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });

  async function exchange(input: ExchangeInput): Promise<ExchangeResult> {
    const body =
      input.idToken !== undefined
        ? { database: input.database, id_token: input.idToken }
        : { database: input.database, access_token: input.accessToken };
    const { data, response } = await call("exchange", (watch) =>
      raw.POST("/v1/sso_token", { body, middleware: [watch] }),
    );
    if (
      !data ||
      typeof data.id_token !== "string" ||
      typeof data.database !== "string" ||
      typeof data.expires_in !== "number"
    ) {
      throw badResponse("exchange", response, "the service answered 2xx without a minted token");
    }
    return { token: data.id_token, database: data.database, expiresIn: data.expires_in, tokenType: "Bearer" };
  }

  async function refresh(input: RefreshInput): Promise<RefreshResult> {
    const { data, response } = await call("refresh", (watch) =>
      raw.POST("/v1/token_refresh", {
        params: { header: { Authorization: `Bearer ${input.token}`, "Content-Type": "application/json" } },
        body: input.database === undefined ? {} : { database: input.database },
        middleware: [watch],
      }),
    );
    return sessionToken("refresh", data, response, "a refreshed token");
  }

  async function info(): Promise<InfoResult> {
    const { data, response } = await call("info", (watch) => raw.GET("/v1/info", { middleware: [watch] }));
    if (!data || typeof data.default_database !== "string" || typeof data.openapi_version !== "string") {
      throw badResponse("info", response, "the service answered 2xx without its info");
    }
    return { defaultDatabase: data.default_database, openapiVersion: data.openapi_version };
  }

  return {
    raw,
    exchange,
    refresh,
    info,
    signInWithDevice: (input) => signInWithDevice(raw, input),
    browserSignIn: (input = {}) => browserSignIn(raw, input),
  };
}
