/**
 * `GET /v1/callback` (getOcientHttpQueryApiCallback): where the provider sends the browser back. The
 * binding cookie is cleared whatever happens; on success the session cookie carries the minted token,
 * and the answer is the published JSON, or, when the sign-in started with `return_to`, 303 back to the
 * app (no token in the URL: the app obtains it with token_refresh and the session cookie).
 */

import { noStore } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { bindingCookie, sessionCookie, setCookie, signedIn } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

function param(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function getCallback({ service }: HandlerDeps): OperationHandler<"getOcientHttpQueryApiCallback"> {
  return async function getCallback(ctx) {
    const { config, signIn } = service.current;
    noStore(ctx);
    const binding = bindingCookie(config, ctx.path);
    setCookie(ctx, config, binding, "", 0);
    const result = await signIn.browser.callback(
      {
        code: param(ctx.query.code),
        state: param(ctx.query.state),
        iss: param(ctx.query.iss),
        error: param(ctx.query.error),
        error_description: param(ctx.query.error_description),
        binding: ctx.cookies.get(binding.name),
      },
      ctx.state.audit,
    );
    setCookie(ctx, config, sessionCookie(config), result.token, result.expiresIn);
    if (result.returnTo !== undefined) {
      ctx.set("location", result.returnTo);
      return { status: 303, body: undefined };
    }
    return { status: 200, body: signedIn(result) };
  };
}
