/**
 * `POST /v1/sso_device_grant_verify` (postOcientHttpQueryApiSsoDeviceGrantVerify): waits, at most
 * `timeout` seconds, for the user to finish at the provider, then mints as `/v1/sso_token` does.
 */
import { InvalidRequest } from "../../errors.js";
import { parseTimeout } from "../../signin/device-grant.js";
import { noStore } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { signedIn } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

export function postSsoDeviceGrantVerify({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiSsoDeviceGrantVerify"> {
  return async function postSsoDeviceGrantVerify(ctx, body) {
    const { user_code, database, timeout } = body;
    if (user_code === "") throw new InvalidRequest("user_code is required");
    if (database === "") throw new InvalidRequest("database must be a non-empty string");
    const timeoutSeconds = parseTimeout(timeout);
    // The caller gone, the poll stops.
    const left = new AbortController();
    ctx.res.once("close", () => left.abort());
    const result = await service.current.signIn.device.verify(
      { userCode: user_code, database, timeoutSeconds, client: ctx.state.client, signal: left.signal },
      ctx.state.audit,
    );
    noStore(ctx);
    return { status: 200, body: signedIn(result) };
  };
}
