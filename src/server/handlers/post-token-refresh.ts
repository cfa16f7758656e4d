/**
 * `POST /v1/token_refresh` (postOcientHttpQueryApiTokenRefresh): a new token for the session of one of
 * ours. The token is the bearer token, or, for a browser request without `Authorization` from this
 * service's origin or a listed web app, the session cookie the browser sign-in set (web-origins.ts); the
 * cookie then carries the new token.
 */
import { noStore, okStatus } from "../answer.js";
import { bearerToken } from "../bearer-token.js";
import type { OperationHandler } from "../operations.js";
import { sessionCookie, setCookie } from "../sign-in-http.js";
import { sessionCredential } from "../web-origins.js";
import type { HandlerDeps } from "./types.js";

export function postTokenRefresh({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiTokenRefresh"> {
  return async function postTokenRefresh(ctx, body) {
    const { config, refresh } = service.current;
    const authorization = ctx.get("authorization") || undefined;
    const fromCookie = authorization === undefined ? sessionCredential(ctx, config) : undefined;
    const token = fromCookie ?? bearerToken(authorization);
    const result = await refresh.refresh(token, body?.database, ctx.state.audit);
    if (fromCookie !== undefined) {
      setCookie(ctx, config, sessionCookie(config), result.access_token, result.expires_in);
    }
    noStore(ctx);
    return {
      status: 200,
      body: { ...result, token_type: "Bearer", ...okStatus("Token refreshed successfully") },
    };
  };
}
