/** The one error answer: every failure leaves as the contract's Ocient status body (app.ts catches it). */
import { renderError, type SsoError, toPublicError } from "../errors.js";
import type { KoaContext } from "./handlers/types.js";
import { renderOAuthError } from "./oauth-error.js";

export function renderFailure(ctx: KoaContext, err: unknown): void {
  const error: SsoError = toPublicError(err);
  ctx.state.error = error;
  if (error.status >= 500 && !error.expose) ctx.state.unexpected = err;
  ctx.set("cache-control", "no-store");
  if (ctx.state.errorFormat === "oauth") {
    const oauth = renderOAuthError(error);
    ctx.status = oauth.status;
    ctx.set(oauth.headers);
    ctx.body = oauth.body;
    return;
  }
  ctx.status = error.status;
  ctx.set(error.headers());
  ctx.body = renderError(error);
}
