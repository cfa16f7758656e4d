/**
 * The one error class `exchange()` throws. It mirrors the service's Ocient-shaped error body
 * (`{"status": {"reason", "sql_state", "vendor_code"}}`) and adds two client-side cases:
 *
 * - the service could not be reached (connection refused, DNS, TLS, aborted): `httpStatus` 0,
 *   `vendorCode` -1220, `sqlState` "08001", `code` "ERR_NETWORK"; the fetch error is the `cause`;
 * - the service answered something that is not its documented JSON (a proxy's HTML page, an empty or
 *   truncated body): `httpStatus` is the response status, `vendorCode` -1255, `sqlState` "58005",
 *   `code` "ERR_BAD_RESPONSE".
 *
 * The message never contains a token: it is built from the status and the service's `reason`, which
 * the service guarantees never echoes token contents.
 */
import type { components } from "../../generated/types.js";

type OcientStatus = components["schemas"]["OcientStatus"];

/** Stable `code` of each documented `vendor_code`; the same names the service uses. */
const CODES: Readonly<Record<number, string>> = {
  [-1203]: "ERR_SIGN_IN_STATE_UNKNOWN",
  [-1220]: "ERR_PROVIDER_UNAVAILABLE",
  [-1226]: "ERR_INVALID_PROVIDER_METADATA",
  [-1228]: "ERR_TOKEN_EXPIRED",
  [-1229]: "ERR_SIGNING_KEY_UNKNOWN",
  [-1230]: "ERR_INVALID_PROVIDER_KEY_SET",
  [-1231]: "ERR_INVALID_CLAIM",
  [-1232]: "ERR_UNKNOWN_ISSUER",
  [-1233]: "ERR_INVALID_AUDIENCE",
  [-1234]: "ERR_INVALID_SIGNATURE",
  [-1235]: "ERR_INVALID_ID_TOKEN",
  [-1236]: "ERR_INVALID_ACCESS_TOKEN",
  [-1238]: "ERR_SIGN_IN_PENDING",
  [-1251]: "ERR_ACCESS_DENIED",
  [-1252]: "ERR_SIGN_IN_NOT_CONFIGURED",
  [-1254]: "ERR_INVALID_REQUEST",
  [-1255]: "ERR_SERVER_ERROR",
  [-1256]: "ERR_RATE_LIMITED",
};

export interface SsoExchangeErrorInit {
  httpStatus: number;
  vendorCode: number;
  sqlState: string;
  reason: string;
  /** Default: derived from `vendorCode` ("ERR_SSO_EXCHANGE" for a code this client does not know). */
  code?: string;
  /** Seconds from a `Retry-After` header (429, 503), when the service sent one. */
  retryAfter?: number;
  cause?: unknown;
}

export class SsoExchangeError extends Error {
  override readonly name = "SsoExchangeError";
  /**
   * Stable machine code: "ERR_ACCESS_DENIED", "ERR_TOKEN_EXPIRED", … for the service's answers,
   * "ERR_NETWORK" or "ERR_BAD_RESPONSE" for the client-side cases.
   */
  readonly code: string;
  /** HTTP status of the answer; 0 when no answer arrived. */
  readonly httpStatus: number;
  /** Ocient `vendor_code`, e.g. -1251 (access denied). */
  readonly vendorCode: number;
  /** Ocient `sql_state`, e.g. "42501". */
  readonly sqlState: string;
  /** What went wrong, for people; never token contents. */
  readonly reason: string;
  /** Seconds to wait before retrying (from `Retry-After`), when given. */
  readonly retryAfter: number | undefined;

  constructor(init: SsoExchangeErrorInit) {
    const where = init.httpStatus === 0 ? "no response" : `HTTP ${init.httpStatus}`;
    super(`token exchange failed (${where}, vendor_code ${init.vendorCode}): ${init.reason}`, {
      cause: init.cause,
    });
    this.code = init.code ?? CODES[init.vendorCode] ?? "ERR_SSO_EXCHANGE";
    this.httpStatus = init.httpStatus;
    this.vendorCode = init.vendorCode;
    this.sqlState = init.sqlState;
    this.reason = init.reason;
    this.retryAfter = init.retryAfter;
  }
}

function isOcientStatus(body: unknown): body is OcientStatus {
  if (!body || typeof body !== "object") return false;
  const status = (body as { status?: unknown }).status;
  if (!status || typeof status !== "object") return false;
  const s = status as Record<string, unknown>;
  return typeof s.reason === "string" && typeof s.sql_state === "string" && typeof s.vendor_code === "number";
}

function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get("retry-after");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** An error answer from the service; `body` is what openapi-fetch parsed (JSON, or the raw text). */
export function errorFromResponse(response: Response, body: unknown): SsoExchangeError {
  const retryAfter = retryAfterOf(response);
  if (isOcientStatus(body)) {
    const { reason, sql_state, vendor_code } = body.status;
    return new SsoExchangeError({
      httpStatus: response.status,
      vendorCode: vendor_code,
      sqlState: sql_state,
      reason,
      retryAfter,
    });
  }
  return badResponse(response, `the service answered HTTP ${response.status} without an Ocient status body`);
}

export function badResponse(response: Response, reason: string, cause?: unknown): SsoExchangeError {
  return new SsoExchangeError({
    httpStatus: response.status,
    vendorCode: -1255,
    sqlState: "58005",
    reason,
    code: "ERR_BAD_RESPONSE",
    retryAfter: retryAfterOf(response),
    cause,
  });
}

export function networkError(cause: unknown): SsoExchangeError {
  return new SsoExchangeError({
    httpStatus: 0,
    vendorCode: -1220,
    sqlState: "08001",
    reason: "the token service could not be reached",
    code: "ERR_NETWORK",
    cause,
  });
}
