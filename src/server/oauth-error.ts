/**
 * An error as an OAuth token endpoint answers it (RFC 6749 §5.2, RFC 8693 §2.2.2): `error` and
 * `error_description`, with the Ocient `status` body alongside so an Ocient client reads its vendor code
 * as from any other route. The class of the error decides the OAuth code:
 * - a refused subject token (401 rows: expired, bad signature, wrong audience, ...): `invalid_grant`;
 * - a database not granted, unknown, or a token that no binding takes (-1251): `invalid_target`;
 * - a malformed request (-1254): `invalid_request`, or the code the error names (`unsupported_grant_type`);
 * - rate limited, provider down, anything unexpected: `temporarily_unavailable` / `server_error`.
 * Client errors answer 400 as §5.2 says (413 and 415 keep theirs); no `WWW-Authenticate`, since the
 * subject token is not a credential of this request.
 */
import { renderError, type SsoError } from "../errors.js";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_grant"
  | "invalid_target"
  | "unsupported_grant_type"
  | "temporarily_unavailable"
  | "server_error";

function codeOf(error: SsoError): OAuthErrorCode {
  const named = (error as { oauthError?: OAuthErrorCode }).oauthError;
  if (named) return named;
  if (error.code === "ERR_ACCESS_DENIED") return "invalid_target";
  if (error.status === 401) return "invalid_grant";
  if (error.status === 429 || error.status === 503) return "temporarily_unavailable";
  if (error.status >= 500) return "server_error";
  return "invalid_request";
}

export function renderOAuthError(error: SsoError): {
  status: number;
  headers: Record<string, string>;
  body: unknown;
} {
  const error_code = codeOf(error);
  const keepStatus =
    error.status === 413 || error.status === 415 || error.status === 429 || error.status >= 500;
  const headers = error.headers();
  delete headers["www-authenticate"];
  const ocient = renderError(error);
  return {
    status: keepStatus ? error.status : 400,
    headers,
    body: { error: error_code, error_description: ocient.status.reason, ...ocient },
  };
}
