/** `POST /v1/sso_device_grant` (postOcientHttpQueryApiSsoDeviceGrant): starts a device grant at the provider. */

import { noStore, okStatus } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { databaseOf } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

export function postSsoDeviceGrant({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiSsoDeviceGrant"> {
  return async function postSsoDeviceGrant(ctx, body) {
    const started = await service.current.signIn.device.start(databaseOf(body?.database), ctx.state.client);
    noStore(ctx);
    return {
      status: 200,
      body: {
        verification_uri_complete: started.verification_uri_complete,
        verification_uri: started.verification_uri,
        user_code: started.user_code,
        expires_in: started.expires_in,
        interval: started.interval,
        ...okStatus("Device authorization initiated"),
      },
    };
  };
}
