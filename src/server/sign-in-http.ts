/**
 * What the sign-in handlers share: the two cookies, the database a sign-in is for, and its answer. The
 * binding cookie ties a browser to the sign-in it started and is as short-lived as the flow; the session
 * cookie carries the minted token and expires with it. Both are HttpOnly and SameSite=Lax (the
 * provider's redirect back is a top-level navigation).
 *
 * Over https (`server.tls`, or an https `server.public_url` behind a proxy) both are `__Host-` cookies
 * (Secure, `Path=/`, no Domain): a browser accepts them only from this very host over https, so a sibling
 * subdomain or a plain-http page can't plant a binding or a session of its own (login CSRF, issue 16.3),
 * and the unprefixed names such a page could set are never read. Over plain http (loopback development)
 * no cookie can be protected from other local pages of the same host; the binding is then limited to the
 * callback path, and docs/sign-in.md says what that leaves open.
 */
import { publicUrlOf } from "../config/public-url.js";
import type { Config } from "../config/schema.js";
import { DEFAULT_DATABASE } from "../exchange/refresh.js";
import { okStatus } from "./answer.js";
import type { KoaContext } from "./handlers/types.js";

const BINDING_COOKIE = "ocient_sso_sign_in";
const SESSION_COOKIE = "ocient_sso_session";
/** RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain, set from a secure origin. */
const HOST_PREFIX = "__Host-";

function secure(config: Config): boolean {
  return config.server.tls !== undefined || publicUrlOf(config).startsWith("https:");
}

export interface SignInCookie {
  name: string;
  path: string;
}

/** The binding cookie: `__Host-` over https; over http limited to the callback path. */
export function bindingCookie(config: Config, callbackPath: string): SignInCookie {
  return secure(config)
    ? { name: `${HOST_PREFIX}${BINDING_COOKIE}`, path: "/" }
    : { name: BINDING_COOKIE, path: callbackPath };
}

/** The session cookie: `__Host-` over https; over http on the public URL's path (every route of ours). */
export function sessionCookie(config: Config): SignInCookie {
  return secure(config)
    ? { name: `${HOST_PREFIX}${SESSION_COOKIE}`, path: "/" }
    : { name: SESSION_COOKIE, path: new URL(publicUrlOf(config)).pathname.replace(/\/+$/, "") || "/" };
}

/** Appends a Set-Cookie; values are base64url or JWS, which need no quoting. */
export function setCookie(
  ctx: KoaContext,
  config: Config,
  cookie: SignInCookie,
  value: string,
  maxAgeSeconds: number,
): void {
  const attributes = [
    `${cookie.name}=${value}`,
    `Path=${cookie.path}`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (maxAgeSeconds <= 0) attributes.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (secure(config)) attributes.push("Secure");
  ctx.append("set-cookie", attributes.join("; "));
}

/** Published default of every `database` parameter (an empty one is refused by the served document). */
export function databaseOf(database: string | undefined): string {
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
