/**
 * Every error a client can see, written once: `ERRORS` holds, per stable `code`, the HTTP status, the
 * Ocient `vendor_code` and `sql_state`, the response headers and a description. One class per code
 * throws it. The served document's error responses, the error reference (docs/errors.md) and the typed client's
 * code names (`generated/error-codes.ts`) are generated from this table (`npm run generate`).
 *
 * `expose` is true below 500 (and for provider failures, which say nothing internal); the error
 * middleware replaces anything not exposed with a generic 500 so internals never reach a client.
 * Reasons are written for people and never contain token contents.
 */
import type { operations } from "../generated/types.js";

/** An operation of the served document (generated/types.ts): a renamed or removed one fails `tsc` here. */
type OperationId = keyof operations;

/** The response headers an error can carry, as the served document describes them. */
export const ERROR_HEADERS = {
  "WWW-Authenticate": {
    description: 'Always `Bearer error="invalid_token"` (RFC 6750 §3.1).',
    schema: { type: "string" },
    example: 'Bearer error="invalid_token"',
  },
  "Retry-After": {
    description: "Seconds to wait before retrying.",
    schema: { type: "integer", minimum: 0 },
    example: 5,
  },
} as const;

export type ErrorHeader = keyof typeof ERROR_HEADERS;

export interface ErrorEntry {
  readonly status: number;
  readonly vendorCode: number;
  readonly sqlState: string;
  /** Response headers sent with it. */
  readonly headers?: readonly ErrorHeader[];
  /** The case, for people: a row of docs/errors.md and of the served document. */
  readonly description: string;
  /** A reason the service sends in this case, word for word: the served document's example. */
  readonly example: string;
  /**
   * The published operations (by operationId) that answer it, as their documented error responses;
   * empty for the answers given before any operation is picked (no route, no method, too many headers).
   */
  readonly operations: readonly OperationId[];
}

const SSO_TOKEN = "postOcientHttpQueryApiSsoToken" satisfies OperationId;
const TOKEN_REFRESH = "postOcientHttpQueryApiTokenRefresh" satisfies OperationId;
const INFO = "getOcientHttpQueryApiInfo" satisfies OperationId;
const DEVICE_GRANT = "postOcientHttpQueryApiSsoDeviceGrant" satisfies OperationId;
const DEVICE_VERIFY = "postOcientHttpQueryApiSsoDeviceGrantVerify" satisfies OperationId;
const SSO_AUTHENTICATION = "postOcientHttpQueryApiSsoAuthentication" satisfies OperationId;
const CALLBACK = "getOcientHttpQueryApiCallback" satisfies OperationId;
const LOGOUT = "postOcientHttpQueryApiLogout" satisfies OperationId;
/** Operations that take a JSON body. */
const WITH_BODY: readonly OperationId[] = [
  SSO_TOKEN,
  TOKEN_REFRESH,
  DEVICE_GRANT,
  DEVICE_VERIFY,
  SSO_AUTHENTICATION,
  LOGOUT,
];
/** Operations that verify a provider's token, the exchange's way (the sign-ins get their id_token so). */
const VERIFYING: readonly OperationId[] = [SSO_TOKEN, DEVICE_VERIFY, CALLBACK];
/** Operations that call the provider. */
const AT_PROVIDER: readonly OperationId[] = [
  SSO_TOKEN,
  DEVICE_GRANT,
  DEVICE_VERIFY,
  SSO_AUTHENTICATION,
  CALLBACK,
];

/**
 * The error table, in the order docs/errors.md lists it. Several codes share a vendor_code (-1254); the
 * client names a vendor_code by the first code that has it.
 */
export const ERRORS = {
  ERR_INVALID_REQUEST: {
    status: 400,
    vendorCode: -1254,
    sqlState: "08004",
    description:
      "malformed JSON body, neither or both of `id_token` / `access_token`, a missing or empty `database`, " +
      "an unknown key, a value of the wrong type, a repeated JSON key",
    example: "provide exactly one of id_token and access_token",
    operations: [...WITH_BODY, CALLBACK],
  },
  ERR_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    vendorCode: -1254,
    sqlState: "08004",
    description:
      "`POST /oauth2/token`: a `grant_type` other than token exchange (OAuth `unsupported_grant_type`)",
    example: "grant_type must be urn:ietf:params:oauth:grant-type:token-exchange",
    operations: [],
  },
  ERR_INVALID_TARGET: {
    status: 400,
    vendorCode: -1254,
    sqlState: "08004",
    description:
      "`POST /oauth2/token`: a target named by `resource` rather than `audience` (OAuth `invalid_target`)",
    example: "resource is not taken: name the database by audience",
    operations: [],
  },
  ERR_ROUTE_NOT_FOUND: {
    status: 404,
    vendorCode: -1254,
    sqlState: "08004",
    description: "no route at this path",
    example: "no such route",
    operations: [],
  },
  ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    vendorCode: -1254,
    sqlState: "08004",
    description: "the path exists, the method does not",
    example: "method not allowed on this route",
    operations: [],
  },
  ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    vendorCode: -1254,
    sqlState: "08004",
    description: "the body or a token is over the size cap; it is refused unread",
    example: "the request body is larger than 16384 bytes",
    operations: WITH_BODY,
  },
  ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    vendorCode: -1254,
    sqlState: "08004",
    description: "the body is not `application/json` (wrong or missing content type)",
    example: "the request body must be application/json",
    operations: WITH_BODY,
  },
  ERR_REQUEST_HEADER_FIELDS_TOO_LARGE: {
    status: 431,
    vendorCode: -1254,
    sqlState: "08004",
    description:
      "100 or more request header lines: Node would pass on only the first 100, and a proxy's `X-Forwarded-For` could be among those cut",
    example: "the request has 100 or more header lines",
    operations: [],
  },
  ERR_TOKEN_EXPIRED: {
    status: 401,
    vendorCode: -1228,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "the subject token has expired",
    example: "the id_token has expired",
    operations: VERIFYING,
  },
  ERR_SIGNING_KEY_UNKNOWN: {
    status: 401,
    vendorCode: -1229,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "the token's signing key is unknown to its provider",
    example: "the token's signing key is unknown to its provider",
    operations: VERIFYING,
  },
  ERR_INVALID_CLAIM: {
    status: 401,
    vendorCode: -1231,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "an invalid claim: `nbf` or `iat` in the future beyond leeway, maximum age, `typ`, `required_claims`, " +
      "missing `sub`, the wrong token kind",
    example: "the id_token is not valid yet",
    operations: VERIFYING,
  },
  ERR_UNKNOWN_ISSUER: {
    status: 401,
    vendorCode: -1232,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "the token's issuer is not a configured integration",
    example: "the token's issuer is not trusted",
    operations: VERIFYING,
  },
  ERR_INVALID_AUDIENCE: {
    status: 401,
    vendorCode: -1233,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "wrong audience or `azp`",
    example: "the id_token is not meant for this service",
    operations: VERIFYING,
  },
  ERR_INVALID_SIGNATURE: {
    status: 401,
    vendorCode: -1234,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "the signature does not verify, or the algorithm is `none`, HMAC or outside the integration's allow-list",
    example: "the id_token signature does not verify",
    operations: VERIFYING,
  },
  ERR_INVALID_ID_TOKEN: {
    status: 401,
    vendorCode: -1235,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "the id_token is otherwise invalid (including JWE and unknown `crit`)",
    example: "invalid id_token: encrypted tokens (JWE) are not accepted",
    operations: VERIFYING,
  },
  ERR_INVALID_ACCESS_TOKEN: {
    status: 401,
    vendorCode: -1236,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "the access_token is otherwise invalid (including introspection `active: false`)",
    example: "the access_token is not active",
    operations: [SSO_TOKEN],
  },
  ERR_MISSING_BEARER_TOKEN: {
    status: 401,
    vendorCode: -1204,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "token_refresh without a bearer token (`WWW-Authenticate: Bearer`, no error code: RFC 6750 §3.1)",
    example: "a bearer token is required",
    operations: [TOKEN_REFRESH],
  },
  ERR_INVALID_BEARER_TOKEN: {
    status: 401,
    vendorCode: -1205,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "token_refresh: the bearer token is not one of ours (issuer, audience, `typ`, claims), or malformed",
    example: "the bearer token was not issued by this service",
    operations: [TOKEN_REFRESH],
  },
  ERR_BEARER_SIGNATURE_MISMATCH: {
    status: 401,
    vendorCode: -1206,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "token_refresh: the bearer token's signature does not match its key (or its algorithm is not its key's)",
    example: "the bearer token signature does not verify",
    operations: [TOKEN_REFRESH],
  },
  ERR_BEARER_KEY_UNKNOWN: {
    status: 401,
    vendorCode: -1207,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "token_refresh: the bearer token is signed by a key this service does not publish (never did, or retired)",
    example: "the bearer token is signed by a key this service does not publish",
    operations: [TOKEN_REFRESH],
  },
  ERR_SESSION_EXPIRED: {
    status: 401,
    vendorCode: -1208,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description:
      "token_refresh: the bearer token expired, or its session is past `token.refresh_lifetime_seconds` (or refresh is off)",
    example: "the session has ended; sign in again",
    operations: [TOKEN_REFRESH],
  },
  ERR_SIGN_IN_STATE_UNKNOWN: {
    status: 400,
    vendorCode: -1203,
    sqlState: "28000",
    description:
      "sign-in: the user code or browser `state` is unknown, expired or already used, or the callback comes from a browser that did not start the flow",
    example: "the user code is unknown, expired or already used",
    operations: [DEVICE_VERIFY, CALLBACK],
  },
  ERR_SIGN_IN_PENDING: {
    status: 400,
    vendorCode: -1238,
    sqlState: "28000",
    description:
      "device grant verify: the user has not finished signing in when `timeout` runs out; call again",
    example: "the user has not finished signing in yet; call again",
    operations: [DEVICE_VERIFY],
  },
  ERR_SIGN_IN_NOT_CONFIGURED: {
    status: 400,
    vendorCode: -1252,
    sqlState: "08004",
    description:
      "sign-in: the database's integration has no `sign_in` client, or its provider offers no device endpoint",
    example: "sign-in is not configured for this database",
    operations: [DEVICE_GRANT, DEVICE_VERIFY, SSO_AUTHENTICATION, CALLBACK],
  },
  ERR_GRANT_REFUSED: {
    status: 401,
    vendorCode: -1235,
    sqlState: "28000",
    headers: ["WWW-Authenticate"],
    description: "sign-in: the provider's token endpoint refused the authorization code or the device code",
    example: "the identity provider refused the device code",
    operations: [DEVICE_GRANT, DEVICE_VERIFY, CALLBACK],
  },
  ERR_ACCESS_DENIED: {
    status: 403,
    vendorCode: -1251,
    sqlState: "42501",
    description:
      "the database is unknown, or not granted to this user: both get the same answer, so databases cannot be enumerated",
    example: "the database does not exist or the user may not open it",
    operations: [SSO_TOKEN, TOKEN_REFRESH, DEVICE_VERIFY, CALLBACK],
  },
  ERR_RATE_LIMITED: {
    status: 429,
    vendorCode: -1256,
    sqlState: "08004",
    headers: ["Retry-After"],
    description:
      "rate limited (`server.rate_limit`; sign-in starts also without it, 30 at once then 1 a second per client address); retry after `Retry-After` seconds",
    example: "too many requests from this client; retry later",
    operations: [SSO_TOKEN, TOKEN_REFRESH, DEVICE_GRANT, DEVICE_VERIFY, SSO_AUTHENTICATION],
  },
  ERR_SERVER_ERROR: {
    status: 500,
    vendorCode: -1255,
    sqlState: "58005",
    description: "anything unexpected; the reason is generic by design",
    example: "internal server error",
    operations: [...WITH_BODY, INFO, CALLBACK],
  },
  ERR_INVALID_PROVIDER_METADATA: {
    status: 502,
    vendorCode: -1226,
    sqlState: "08001",
    description: "the identity provider answered with an invalid discovery document",
    example: "the identity provider has no valid discovery document",
    operations: AT_PROVIDER,
  },
  ERR_INVALID_PROVIDER_KEY_SET: {
    status: 502,
    vendorCode: -1230,
    sqlState: "08001",
    description: "the identity provider answered with an invalid key set",
    example: "the identity provider's key set is not a JWK Set",
    operations: VERIFYING,
  },
  ERR_PROVIDER_UNAVAILABLE: {
    status: 503,
    vendorCode: -1220,
    sqlState: "08001",
    headers: ["Retry-After"],
    description:
      "the identity provider is unreachable or timed out (discovery, JWKS, introspection, userinfo); " +
      "retry after `Retry-After` seconds",
    example: "the identity provider did not answer in time",
    operations: AT_PROVIDER,
  },
  ERR_STATE_UNAVAILABLE: {
    status: 503,
    vendorCode: -1220,
    sqlState: "08001",
    headers: ["Retry-After"],
    description:
      "the shared state (`state.redis`) did not answer, for what every instance must agree on: sign-in state, used subject tokens; retry after `Retry-After` seconds",
    example: "the shared state (Redis) is unavailable",
    operations: [SSO_TOKEN, DEVICE_GRANT, DEVICE_VERIFY, SSO_AUTHENTICATION, CALLBACK],
  },
  ERR_STATE_FULL: {
    status: 503,
    vendorCode: -1256,
    sqlState: "08004",
    headers: ["Retry-After"],
    description:
      "this process holds as many pending sign-ins (or used subject tokens, `replay: once`) as it is bounded to, without `state.redis`; nothing is evicted to make room: retry after `Retry-After` seconds, when entries expire",
    example: "too many sign-ins in progress are held; retry later",
    operations: [SSO_TOKEN, DEVICE_GRANT, DEVICE_VERIFY, SSO_AUTHENTICATION],
  },
} as const satisfies Record<string, ErrorEntry>;

/** The stable code of every error the service answers with. */
export type SsoErrorCode = keyof typeof ERRORS;

const TABLE: Readonly<Record<SsoErrorCode, ErrorEntry>> = ERRORS;

export abstract class SsoError extends Error {
  /** Stable machine code, as jose's errors carry one; its row of `ERRORS`. */
  abstract readonly code: SsoErrorCode;
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // The class's own name (as jose's errors have), so a log or a stack says which case it was.
    this.name = new.target.name;
  }
  /** Seconds a client should wait before retrying, for errors sent with `Retry-After`. */
  readonly retryAfter?: number;
  get status(): number {
    return TABLE[this.code].status;
  }
  get vendorCode(): number {
    return TABLE[this.code].vendorCode;
  }
  get sqlState(): string {
    return TABLE[this.code].sqlState;
  }
  get expose(): boolean {
    return this.status < 500;
  }
  /** The response headers of its row (`www-authenticate`, `retry-after`). */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of TABLE[this.code].headers ?? []) {
      headers[name.toLowerCase()] =
        name === "Retry-After" ? String(this.retryAfter ?? 0) : ERROR_HEADERS["WWW-Authenticate"].example;
    }
    return headers;
  }
}

/** Malformed body, neither or both tokens, bad types. */
export class InvalidRequest extends SsoError {
  readonly code: SsoErrorCode = "ERR_INVALID_REQUEST";
}

/** Wrong or missing `Content-Type`. */
export class UnsupportedMediaType extends InvalidRequest {
  override readonly code = "ERR_UNSUPPORTED_MEDIA_TYPE";
}

/** No route at this path. */
export class RouteNotFound extends InvalidRequest {
  override readonly code = "ERR_ROUTE_NOT_FOUND";
}

/** The path exists, the method does not; `Allow` lists the methods it has (RFC 9110 §15.5.6). */
export class MethodNotAllowed extends InvalidRequest {
  override readonly code = "ERR_METHOD_NOT_ALLOWED";
  constructor(
    message: string,
    readonly allow: readonly string[] = [],
  ) {
    super(message);
  }
  override headers(): Record<string, string> {
    return this.allow.length > 0 ? { allow: this.allow.join(", ") } : {};
  }
}

/** The OAuth token endpoint (RFC 6749 §5.2): a grant type other than token exchange. */
export class UnsupportedGrantType extends InvalidRequest {
  override readonly code = "ERR_UNSUPPORTED_GRANT_TYPE";
  readonly oauthError = "unsupported_grant_type" as const;
}

/** The OAuth token endpoint (RFC 8693 §2.2.2): a target named in a form it does not take. */
export class InvalidTarget extends InvalidRequest {
  override readonly code = "ERR_INVALID_TARGET";
  readonly oauthError = "invalid_target" as const;
}

/** Body or token over the size cap; refused unread. */
export class PayloadTooLarge extends InvalidRequest {
  override readonly code = "ERR_PAYLOAD_TOO_LARGE";
}

/** As many header lines as Node hands the application, or more: the list may have been cut (RFC 6585 §5). */
export class RequestHeaderFieldsTooLarge extends InvalidRequest {
  override readonly code = "ERR_REQUEST_HEADER_FIELDS_TOO_LARGE";
}

export class TokenExpired extends SsoError {
  readonly code = "ERR_TOKEN_EXPIRED";
}

export class SigningKeyUnknown extends SsoError {
  readonly code = "ERR_SIGNING_KEY_UNKNOWN";
}

/** A claim (or the `typ` header) of a subject token that fails its rule; `claim` names it, as jose's claim errors do. */
export class InvalidClaim extends SsoError {
  readonly code = "ERR_INVALID_CLAIM";
  constructor(
    message: string,
    /** The claim the refusal is about (`typ` for the header). */
    readonly claim: string,
  ) {
    super(message);
  }
}

export class UnknownIssuer extends SsoError {
  readonly code = "ERR_UNKNOWN_ISSUER";
}

export class InvalidAudience extends SsoError {
  readonly code = "ERR_INVALID_AUDIENCE";
}

export class InvalidSignature extends SsoError {
  readonly code = "ERR_INVALID_SIGNATURE";
}

export class InvalidIdToken extends SsoError {
  readonly code = "ERR_INVALID_ID_TOKEN";
}

export class InvalidAccessToken extends SsoError {
  readonly code = "ERR_INVALID_ACCESS_TOKEN";
}

/** token_refresh without `Authorization: Bearer`; RFC 6750 §3.1: no error code when no credentials came. */
export class MissingBearerToken extends SsoError {
  readonly code = "ERR_MISSING_BEARER_TOKEN";
  override headers(): Record<string, string> {
    return { "www-authenticate": "Bearer" };
  }
}

/** A bearer token that is not one this service minted (issuer, audience, `typ`), or malformed. */
export class InvalidBearerToken extends SsoError {
  readonly code = "ERR_INVALID_BEARER_TOKEN";
}

/** A bearer token whose signature does not match the published key its `kid` names. */
export class BearerSignatureMismatch extends SsoError {
  readonly code = "ERR_BEARER_SIGNATURE_MISMATCH";
}

/** A bearer token whose `kid` is no key this service publishes (never was, or retired). */
export class BearerKeyUnknown extends SsoError {
  readonly code = "ERR_BEARER_KEY_UNKNOWN";
}

/** A bearer token that expired, or whose session is past `token.refresh_lifetime_seconds`. */
export class SessionExpired extends SsoError {
  readonly code = "ERR_SESSION_EXPIRED";
}

/** Unknown database and ungranted database answer alike, so databases can't be enumerated. */
export class AccessDenied extends SsoError {
  readonly code = "ERR_ACCESS_DENIED";
}

/** The identity provider failed us: the client may see that (502/503), since it reveals nothing internal. */
abstract class ProviderFailure extends SsoError {
  override get expose(): boolean {
    return true;
  }
}

/** A failure a client should retry, after `Retry-After` seconds. */
abstract class Unavailable extends ProviderFailure {
  constructor(
    message: string,
    options?: ErrorOptions,
    /** Seconds a client should wait before retrying. */
    override readonly retryAfter = 5,
  ) {
    super(message, options);
  }
}

/** Discovery, JWKS, introspection or userinfo unreachable or timed out. */
export class ProviderUnavailable extends Unavailable {
  readonly code = "ERR_PROVIDER_UNAVAILABLE";
}

/**
 * The shared state (Redis) did not answer in time, so something that every instance must agree on
 * (a device code, browser sign-in state, a used subject token) cannot be decided: never guessed.
 */
export class StateUnavailable extends Unavailable {
  readonly code = "ERR_STATE_UNAVAILABLE";
}

/** The provider answered with a discovery document that is not one. */
export class InvalidProviderMetadata extends ProviderFailure {
  readonly code = "ERR_INVALID_PROVIDER_METADATA";
}

/** The provider answered with a key set that is not one (or has no usable key). */
export class InvalidProviderKeySet extends ProviderFailure {
  readonly code = "ERR_INVALID_PROVIDER_KEY_SET";
}

export class RateLimited extends SsoError {
  readonly code = "ERR_RATE_LIMITED";
  constructor(
    message: string,
    override readonly retryAfter = 1,
  ) {
    super(message);
  }
}

/**
 * A bounded in-memory table of state is full of live entries: new work is refused, nothing is evicted.
 * Exposed although a 503: its reason says only that the service is busy.
 */
export class StateFull extends SsoError {
  readonly code = "ERR_STATE_FULL";
  constructor(
    message: string,
    override readonly retryAfter = 1,
  ) {
    super(message);
  }
  override get expose(): boolean {
    return true;
  }
}

/** Anything unexpected; the reason is generic by design. */
export class ServerError extends SsoError {
  readonly code = "ERR_SERVER_ERROR";
  constructor(options?: ErrorOptions) {
    super(ERRORS.ERR_SERVER_ERROR.example, options);
  }
}

/** The Ocient-shaped error body. */
export interface OcientStatusBody {
  status: { reason: string; sql_state: string; vendor_code: number };
}

/** Turns any thrown value into what a client may see: unexposed errors become a generic 500. */
export function toPublicError(err: unknown): SsoError {
  if (err instanceof SsoError && err.expose) return err;
  return new ServerError({ cause: err });
}

export function renderError(err: SsoError): OcientStatusBody {
  return { status: { reason: err.message, sql_state: err.sqlState, vendor_code: err.vendorCode } };
}

/**
 * Sign-in: a user code or browser `state` that is unknown, expired or already used. The three answer
 * alike, so a guess learns nothing about which codes exist.
 */
export class SignInStateUnknown extends SsoError {
  readonly code = "ERR_SIGN_IN_STATE_UNKNOWN";
}

/** Device grant verify: the user has not finished at the provider when the caller's `timeout` ran out. */
export class SignInPending extends SsoError {
  readonly code = "ERR_SIGN_IN_PENDING";
}

/** The database's integration has no `sign_in` client, or its provider offers no device endpoint. */
export class SignInNotConfigured extends SsoError {
  readonly code = "ERR_SIGN_IN_NOT_CONFIGURED";
}

/** The provider's token endpoint refused the authorization code or the device code. */
export class GrantRefused extends SsoError {
  readonly code = "ERR_GRANT_REFUSED";
}
