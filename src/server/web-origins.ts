/**
 * Which browser origins may use the service with the person's cookies: the service's own (its
 * `server.public_url`) and the web apps of `server.cors_origins`, compared exactly as the `Origin` header
 * writes them. The CORS middleware answers only these; token_refresh takes the session cookie as the
 * credential only from these (against login CSRF and cross-site requests riding the cookie).
 */
import { publicUrlOf } from "../config/public-url.js";
import type { Config } from "../config/schema.js";
import type { KoaContext } from "./handlers/types.js";
import { sessionCookie } from "./sign-in-http.js";

/** An app's origin from `server.cors_origins`: the request's `Origin` when listed, else undefined. */
export function listedOrigin(ctx: KoaContext, config: Config): string | undefined {
  const origin = ctx.get("origin");
  return origin !== "" && config.server.cors_origins.includes(origin) ? origin : undefined;
}

function trustedOrigin(ctx: KoaContext, config: Config): boolean {
  return ctx.get("origin") === new URL(publicUrlOf(config)).origin || listedOrigin(ctx, config) !== undefined;
}

/**
 * The session cookie's token, when a request without `Authorization` may use it: a browser request
 * (it always sends `Origin` on a POST) from this service's own origin or a listed app. A cross-site page
 * gets no cookie (SameSite=Lax), and a same-site page that is not listed is refused here; neither could
 * read the answer anyway (CORS).
 */
export function sessionCredential(ctx: KoaContext, config: Config): string | undefined {
  if (!trustedOrigin(ctx, config)) return undefined;
  return ctx.cookies.get(sessionCookie(config).name) || undefined;
}
