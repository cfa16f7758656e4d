/**
 * `GET /v1/callback` (getOcientHttpQueryApiCallback): where the provider sends the browser back. The
 * binding cookie is cleared whatever happens; on success the session cookie carries the minted token.
 */

import { noStore } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { BINDING_COOKIE, SESSION_COOKIE, sessionPath, setCookie, signedIn } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

function param(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function getCallback({ service }: HandlerDeps): OperationHandler<"getOcientHttpQueryApiCallback"> {
  return async function getCallback(ctx) {
    const { config, signIn } = service.current;
    noStore(ctx);
    setCookie(ctx, config, BINDING_COOKIE, "", { path: ctx.path, maxAgeSeconds: 0 });
    const result = await signIn.browser.callback(
      {
        code: param(ctx.query.code),
        state: param(ctx.query.state),
        iss: param(ctx.query.iss),
        error: param(ctx.query.error),
        binding: ctx.cookies.get(BINDING_COOKIE),
      },
      ctx.state.audit,
    );
    setCookie(ctx, config, SESSION_COOKIE, result.token, {
      path: sessionPath(config),
      maxAgeSeconds: result.expiresIn,
    });
    return { status: 200, body: signedIn(result) };
  };
}
