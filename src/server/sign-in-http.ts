/**
 * What the sign-in handlers share: the two cookies, the database a sign-in is for, and its answer. The
 * binding cookie ties a browser to the sign-in it started, limited to the callback path and as
 * short-lived as the flow; the session cookie carries the minted token and expires with it. Both are
 * HttpOnly and SameSite=Lax (the provider's redirect back is a top-level navigation), and Secure when
 * the service is reached over TLS (`server.tls`, or an https `server.public_url` behind a proxy).
 */
import { publicUrlOf } from "../config/public-url.js";
import type { Config } from "../config/schema.js";
import { InvalidRequest } from "../errors.js";
import { DEFAULT_DATABASE } from "../exchange/refresh.js";
import { okStatus } from "./answer.js";
import type { KoaContext } from "./handlers/types.js";

export const BINDING_COOKIE = "ocient_sso_sign_in";
export const SESSION_COOKIE = "ocient_sso_session";

function secure(config: Config): boolean {
  return config.server.tls !== undefined || publicUrlOf(config).startsWith("https:");
}

/** The session cookie's path: that of the public URL, so it reaches every route of this service. */
export function sessionPath(config: Config): string {
  return new URL(publicUrlOf(config)).pathname.replace(/\/+$/, "") || "/";
}

/** Appends a Set-Cookie; values are base64url or JWS, which need no quoting. */
export function setCookie(
  ctx: KoaContext,
  config: Config,
  name: string,
  value: string,
  options: { path: string; maxAgeSeconds: number },
): void {
  const attributes = [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.maxAgeSeconds <= 0) attributes.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (secure(config)) attributes.push("Secure");
  ctx.append("set-cookie", attributes.join("; "));
}

/** Published default of every `database` parameter; an empty one is refused rather than defaulted. */
export function databaseOf(database: string | undefined): string {
  if (database === "") throw new InvalidRequest("database must be a non-empty string");
  return database ?? DEFAULT_DATABASE;
}

/** The answer of a sign-in that minted (device verify, callback): the token and the published `status`. */
export function signedIn(result: { token: string; user: string; database: string; expiresIn: number }) {
  return {
    access_token: result.token,
    username: result.user,
    database: result.database,
    expires_in: result.expiresIn,
    token_type: "Bearer" as const,
    ...okStatus("Authentication successful"),
  };
}
