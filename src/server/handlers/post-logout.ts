/**
 * `POST /v1/logout` (postOcientHttpQueryApiLogout): clears the session cookie. As published, tokens
 * already issued stay valid until they expire.
 */
import { noStore, okStatus, SESSION_COOKIE, sessionPath, setCookie } from "../sign-in-http.js";
import type { Handler, HandlerDeps } from "./types.js";

export function postLogout({ service }: HandlerDeps): Handler {
  return async function postLogout(ctx) {
    const { config } = service.current;
    setCookie(ctx, config, SESSION_COOKIE, "", { path: sessionPath(config), maxAgeSeconds: 0 });
    noStore(ctx);
    ctx.body = okStatus("Logged out successfully");
  };
}
