/**
 * `POST /v1/sso_device_grant_verify` (postOcientHttpQueryApiSsoDeviceGrantVerify): waits, at most
 * `timeout` seconds, for the user to finish at the provider, then mints as `/v1/sso_token` does.
 */
import { timeoutSeconds } from "../../signin/device-grant.js";
import { noStore } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { signedIn } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

export function postSsoDeviceGrantVerify({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiSsoDeviceGrantVerify"> {
  return async function postSsoDeviceGrantVerify(ctx, body) {
    const { user_code, database, timeout } = body;
    // The caller gone, the poll stops. Unhooked once the verify is over: every answered response closes
    // too, and an abort makes a DOMException with its stack (about 2% of the verify's CPU) for nothing.
    const left = new AbortController();
    const gone = () => left.abort();
    ctx.res.once("close", gone);
    const result = await service.current.signIn.device
      .verify(
        {
          userCode: user_code,
          database,
          timeoutSeconds: timeoutSeconds(timeout),
          client: ctx.state.client,
          signal: left.signal,
        },
        ctx.state.audit,
      )
      .finally(() => ctx.res.off("close", gone));
    noStore(ctx);
    return { status: 200, body: signedIn(result) };
  };
}
