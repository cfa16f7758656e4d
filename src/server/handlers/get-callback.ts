/**
 * `GET /v1/callback` (getOcientHttpQueryApiCallback): where the provider sends the browser back. The
 * binding cookie is cleared whatever happens; on success the session cookie carries the minted token.
 */
import {
  BINDING_COOKIE,
  noStore,
  okStatus,
  SESSION_COOKIE,
  sessionPath,
  setCookie,
} from "../sign-in-http.js";
import type { Handler, HandlerDeps } from "./types.js";

function param(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function getCallback({ service }: HandlerDeps): Handler {
  return async function getCallback(ctx) {
    const { config, signIn } = service.current;
    const audit = { database: undefined as string | undefined, facts: {} };
    ctx.state.audit = audit;
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
      audit.facts,
    );
    audit.database = result.database;
    setCookie(ctx, config, SESSION_COOKIE, result.token, {
      path: sessionPath(config),
      maxAgeSeconds: result.expiresIn,
    });
    ctx.body = {
      access_token: result.token,
      username: result.user,
      database: result.database,
      expires_in: result.expiresIn,
      token_type: "Bearer",
      ...okStatus("Authentication successful"),
    };
  };
}
