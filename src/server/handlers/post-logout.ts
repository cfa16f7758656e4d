/**
 * `POST /v1/logout` (postOcientHttpQueryApiLogout): clears the session cookie. As published, tokens
 * already issued stay valid until they expire.
 */

import { noStore, okStatus } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { sessionCookie, setCookie } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

export function postLogout({ service }: HandlerDeps): OperationHandler<"postOcientHttpQueryApiLogout"> {
  return function postLogout(ctx) {
    const { config } = service.current;
    setCookie(ctx, config, sessionCookie(config), "", 0);
    noStore(ctx);
    return { status: 200, body: okStatus("Logged out successfully") };
  };
}
