/**
 * Every error a client can see. Each class fixes the HTTP status, the Ocient `vendor_code` and
 * `sql_state` of one row of the contract's error table; `expose` is true below 500, and the error
 * middleware replaces anything not exposed with a generic 500 so internals never reach a client.
 * Reasons are written for people and never contain token contents.
 */
export abstract class SsoError extends Error {
  /** Stable machine code, mirrors jose's `code` convention. */
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly vendorCode: number;
  readonly sqlState: string = "28000";
  get expose(): boolean {
    return this.status < 500;
  }
  /** Extra response headers (`WWW-Authenticate`, `Retry-After`). */
  headers(): Record<string, string> {
    return this.status === 401 ? { "www-authenticate": 'Bearer error="invalid_token"' } : {};
  }
}

/** Malformed body, neither or both tokens, bad types. */
export class InvalidRequest extends SsoError {
  readonly code: string = "ERR_INVALID_REQUEST";
  readonly status: number = 400;
  readonly vendorCode = -1254;
  override readonly sqlState = "08004";
}

/** Wrong or missing `Content-Type`. */
export class UnsupportedMediaType extends InvalidRequest {
  override readonly code = "ERR_UNSUPPORTED_MEDIA_TYPE";
  override readonly status = 415;
}

/** No route at this path. */
export class RouteNotFound extends InvalidRequest {
  override readonly code = "ERR_ROUTE_NOT_FOUND";
  override readonly status = 404;
}

/** The path exists, the method does not. */
export class MethodNotAllowed extends InvalidRequest {
  override readonly code = "ERR_METHOD_NOT_ALLOWED";
  override readonly status = 405;
}

/** Body or token over the size cap; refused unread. */
export class PayloadTooLarge extends InvalidRequest {
  override readonly code = "ERR_PAYLOAD_TOO_LARGE";
  override readonly status = 413;
}

abstract class Unauthorized extends SsoError {
  readonly status = 401;
}

export class TokenExpired extends Unauthorized {
  readonly code = "ERR_TOKEN_EXPIRED";
  readonly vendorCode = -1228;
}

export class SigningKeyUnknown extends Unauthorized {
  readonly code = "ERR_SIGNING_KEY_UNKNOWN";
  readonly vendorCode = -1229;
}

export class InvalidClaim extends Unauthorized {
  readonly code = "ERR_INVALID_CLAIM";
  readonly vendorCode = -1231;
}

export class UnknownIssuer extends Unauthorized {
  readonly code = "ERR_UNKNOWN_ISSUER";
  readonly vendorCode = -1232;
}

export class InvalidAudience extends Unauthorized {
  readonly code = "ERR_INVALID_AUDIENCE";
  readonly vendorCode = -1233;
}

export class InvalidSignature extends Unauthorized {
  readonly code = "ERR_INVALID_SIGNATURE";
  readonly vendorCode = -1234;
}

export class InvalidIdToken extends Unauthorized {
  readonly code = "ERR_INVALID_ID_TOKEN";
  readonly vendorCode = -1235;
}

export class InvalidAccessToken extends Unauthorized {
  readonly code = "ERR_INVALID_ACCESS_TOKEN";
  readonly vendorCode = -1236;
}

/** Unknown database and ungranted database answer alike, so databases can't be enumerated. */
export class AccessDenied extends SsoError {
  readonly code = "ERR_ACCESS_DENIED";
  readonly status = 403;
  readonly vendorCode = -1251;
  override readonly sqlState = "42501";
}

/** Discovery, JWKS, introspection or userinfo unreachable or timed out. */
export class ProviderUnavailable extends SsoError {
  readonly code = "ERR_PROVIDER_UNAVAILABLE";
  readonly status = 503;
  readonly vendorCode = -1220;
  override readonly sqlState = "08001";
  override get expose(): boolean {
    return true;
  }
  constructor(
    message: string,
    options?: ErrorOptions,
    /** Seconds a client should wait before retrying. */
    readonly retryAfter = 5,
  ) {
    super(message, options);
  }
  override headers(): Record<string, string> {
    return { "retry-after": String(this.retryAfter) };
  }
}

/** The provider answered with a discovery document that is not one. */
export class InvalidProviderMetadata extends SsoError {
  readonly code = "ERR_INVALID_PROVIDER_METADATA";
  readonly status = 502;
  readonly vendorCode = -1226;
  override readonly sqlState = "08001";
  override get expose(): boolean {
    return true;
  }
}

/** The provider answered with a key set that is not one (or has no usable key). */
export class InvalidProviderKeySet extends SsoError {
  readonly code = "ERR_INVALID_PROVIDER_KEY_SET";
  readonly status = 502;
  readonly vendorCode = -1230;
  override readonly sqlState = "08001";
  override get expose(): boolean {
    return true;
  }
}

export class RateLimited extends SsoError {
  readonly code = "ERR_RATE_LIMITED";
  readonly status = 429;
  readonly vendorCode = -1256;
  override readonly sqlState = "08004";
  constructor(
    message: string,
    readonly retryAfter = 1,
  ) {
    super(message);
  }
  override headers(): Record<string, string> {
    return { "retry-after": String(this.retryAfter) };
  }
}

/** Anything unexpected; the reason is generic by design. */
export class ServerError extends SsoError {
  readonly code = "ERR_SERVER_ERROR";
  readonly status = 500;
  readonly vendorCode = -1255;
  override readonly sqlState = "58005";
  constructor(options?: ErrorOptions) {
    super("internal server error", options);
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
 * The shared state (Redis) did not answer in time, so something that every instance must agree on
 * (a device code, browser sign-in state, a used subject token) cannot be decided: never guessed.
 */
export class StateUnavailable extends SsoError {
  readonly code = "ERR_STATE_UNAVAILABLE";
  readonly status = 503;
  readonly vendorCode = -1220;
  override readonly sqlState = "08001";
  override get expose(): boolean {
    return true;
  }
  constructor(
    message: string,
    options?: ErrorOptions,
    /** Seconds a client should wait before retrying. */
    readonly retryAfter = 2,
  ) {
    super(message, options);
  }
  override headers(): Record<string, string> {
    return { "retry-after": String(this.retryAfter) };
  }
}
