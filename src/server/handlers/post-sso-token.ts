/** `POST /v1/sso_token` (postOcientHttpQueryApiSsoToken): adapts the exchange core to HTTP. */
import type { ExchangeRequest } from "../../exchange/exchange.js";
import type { ExchangeAudit, Handler, HandlerDeps } from "./types.js";

export function postSsoToken({ service }: HandlerDeps): Handler {
  return async function postSsoToken(ctx, body) {
    const request = body as ExchangeRequest;
    // Created by the route as the exchange began.
    const audit = ctx.state.audit as ExchangeAudit;
    audit.database = request.database;
    const result = await service.current.exchange.exchange(request, audit.facts);
    ctx.set("cache-control", "no-store");
    ctx.set("pragma", "no-cache");
    ctx.body = {
      id_token: result.token,
      database: result.database,
      expires_in: result.expiresIn,
      token_type: "Bearer",
    };
  };
}
