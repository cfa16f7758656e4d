/** `POST /v1/token_refresh` (postOcientHttpQueryApiTokenRefresh): a new token for the session of one of ours. */

import { noStore, okStatus } from "../answer.js";
import { bearerToken } from "../bearer-token.js";
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

export function postTokenRefresh({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiTokenRefresh"> {
  return async function postTokenRefresh(ctx, body) {
    const token = bearerToken(ctx.get("authorization") || undefined);
    const result = await service.current.refresh.refresh(token, body?.database, ctx.state.audit);
    noStore(ctx);
    return {
      status: 200,
      body: { ...result, token_type: "Bearer", ...okStatus("Token refreshed successfully") },
    };
  };
}
