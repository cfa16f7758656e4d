/** The one error middleware: every failure leaves as the contract's Ocient status body. */
import type { Middleware } from "koa";
import { renderError, type SsoError, toPublicError } from "../errors.js";
import type { RequestState } from "./handlers/types.js";
import { renderOAuthError } from "./oauth-error.js";

export function errorHandler(): Middleware<RequestState> {
  return async function errorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      const error: SsoError = toPublicError(err);
      ctx.state.error = error;
      if (error.status >= 500 && !error.expose) ctx.state.unexpected = err;
      ctx.set("cache-control", "no-store");
      if ((ctx.state as { errorFormat?: string }).errorFormat === "oauth") {
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
  };
}
