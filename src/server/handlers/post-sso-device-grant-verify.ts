/**
 * `POST /v1/sso_device_grant_verify` (postOcientHttpQueryApiSsoDeviceGrantVerify): waits, at most
 * `timeout` seconds, for the user to finish at the provider, then mints as `/v1/sso_token` does.
 */
import type { ServerResponse } from "node:http";
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
    const caller = callerGone(ctx.res);
    const result = await service.current.signIn.device
      .verify(
        {
          userCode: user_code,
          database,
          timeoutSeconds: timeoutSeconds(timeout),
          client: ctx.state.client,
          callerGone: caller.signal,
        },
        ctx.state.audit,
      )
      .finally(caller.done);
    noStore(ctx);
    return { status: 200, body: signedIn(result) };
  };
}

/**
 * The caller gone, the poll stops: a signal aborted when the response closes, made when the poll first
 * waits. Made for every request, the controller and its listener cost about 2% of the verify's event
 * loop (bench --device --perf) for users who had finished, whose verify never waits. Unhooked once the
 * verify is over: every answered response closes too, and an abort makes a DOMException with its stack.
 */
function callerGone(res: ServerResponse): { signal: () => AbortSignal; done: () => void } {
  let left: AbortController | undefined;
  const gone = () => left?.abort();
  return {
    signal() {
      if (left === undefined) {
        left = new AbortController();
        if (res.closed) left.abort();
        else res.once("close", gone);
      }
      return left.signal;
    },
    done() {
      if (left !== undefined) res.off("close", gone);
    },
  };
}
