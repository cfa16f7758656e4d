/** The one error middleware: every failure leaves as the contract's Ocient status body. */
import type { Middleware } from "koa";
import { renderError, type SsoError, toPublicError } from "../errors.js";
import type { RequestState } from "./handlers/types.js";

export function errorHandler(): Middleware<RequestState> {
  return async function errorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      const error: SsoError = toPublicError(err);
      ctx.state.error = error;
      if (error.status >= 500 && !error.expose) ctx.state.unexpected = err;
      ctx.status = error.status;
      ctx.set(error.headers());
      ctx.set("cache-control", "no-store");
      ctx.body = renderError(error);
    }
  };
}
