/** `POST /v1/sso_token` (postOcientHttpQueryApiSsoToken): adapts the exchange core to HTTP. */
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

export function postSsoToken({ service }: HandlerDeps): OperationHandler<"postOcientHttpQueryApiSsoToken"> {
  return async function postSsoToken(ctx, body) {
    // The router created the audit facts as the exchange began.
    const result = await service.current.exchange.fromSubjectToken(body, ctx.state.audit);
    ctx.set("cache-control", "no-store");
    ctx.set("pragma", "no-cache");
    return {
      status: 200,
      body: {
        id_token: result.token,
        database: result.database,
        expires_in: result.expiresIn,
        token_type: "Bearer",
      },
    };
  };
}
