/**
 * The one error class every client operation throws, naming the operation that failed. It mirrors the service's Ocient-shaped error body
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
import { SERVICE_ERROR_CODES, type ServiceErrorCode } from "../../generated/error-codes.js";
import type { components } from "../../generated/types.js";

type OcientStatus = components["schemas"]["OcientStatus"];

/** Codes of the client-side cases, and of a vendor_code this client does not know. */
export type ClientErrorCode = "ERR_NETWORK" | "ERR_BAD_RESPONSE" | "ERR_SSO_EXCHANGE";
export type SsoExchangeErrorCode = ServiceErrorCode | ClientErrorCode;

/** The client operation that failed, as its message names it. */
export type SsoOperation = "exchange" | "refresh" | "info" | "signInWithDevice" | "browserSignIn";

const OPERATION_WORDS: Record<SsoOperation, string> = {
  exchange: "token exchange",
  refresh: "token refresh",
  info: "info",
  signInWithDevice: "device sign-in",
  browserSignIn: "browser sign-in",
};

export interface SsoExchangeErrorInit {
  /** Default "exchange". */
  operation?: SsoOperation;
  httpStatus: number;
  vendorCode: number;
  sqlState: string;
  reason: string;
  /** Default: derived from `vendorCode` ("ERR_SSO_EXCHANGE" for a code this client does not know). */
  code?: SsoExchangeErrorCode;
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
  readonly code: SsoExchangeErrorCode;
  /** The client operation that failed. */
  readonly operation: SsoOperation;
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
    const operation = init.operation ?? "exchange";
    super(`${OPERATION_WORDS[operation]} failed (${where}, vendor_code ${init.vendorCode}): ${init.reason}`, {
      cause: init.cause,
    });
    this.operation = operation;
    this.code = init.code ?? SERVICE_ERROR_CODES[String(init.vendorCode)] ?? "ERR_SSO_EXCHANGE";
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
export function errorFromResponse(
  operation: SsoOperation,
  response: Response,
  body: unknown,
): SsoExchangeError {
  const retryAfter = retryAfterOf(response);
  if (isOcientStatus(body)) {
    const { reason, sql_state, vendor_code } = body.status;
    return new SsoExchangeError({
      operation,
      httpStatus: response.status,
      vendorCode: vendor_code,
      sqlState: sql_state,
      reason,
      retryAfter,
    });
  }
  return badResponse(
    operation,
    response,
    `the service answered HTTP ${response.status} without an Ocient status body`,
  );
}

export function badResponse(
  operation: SsoOperation,
  response: Response,
  reason: string,
  cause?: unknown,
): SsoExchangeError {
  return new SsoExchangeError({
    operation,
    httpStatus: response.status,
    vendorCode: -1255,
    sqlState: "58005",
    reason,
    code: "ERR_BAD_RESPONSE",
    retryAfter: retryAfterOf(response),
    cause,
  });
}

export function networkError(operation: SsoOperation, cause: unknown): SsoExchangeError {
  return new SsoExchangeError({
    operation,
    httpStatus: 0,
    vendorCode: -1220,
    sqlState: "08001",
    reason: "the token service could not be reached",
    code: "ERR_NETWORK",
    cause,
  });
}
