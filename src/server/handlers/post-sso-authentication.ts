/**
 * `POST /v1/sso_authentication` (postOcientHttpQueryApiSsoAuthentication): starts the browser flow. It
 * sets the binding cookie and answers 302 to the provider, or with `do_redirect: false` 200 with the URL
 * as `redirect_url`. The published key `"sso_callback_path\t"` reaches here trimmed, as every key does.
 */

import { noStore, okStatus } from "../answer.js";
import type { OperationHandler } from "../operations.js";
import { bindingCookie, databaseOf, setCookie } from "../sign-in-http.js";
import type { HandlerDeps } from "./types.js";

export function postSsoAuthentication({
  service,
}: HandlerDeps): OperationHandler<"postOcientHttpQueryApiSsoAuthentication"> {
  return async function postSsoAuthentication(ctx, body) {
    const { config, signIn } = service.current;
    const started = await signIn.browser.start(
      databaseOf(body?.database),
      body?.sso_callback_path,
      body?.return_to,
    );
    setCookie(ctx, config, bindingCookie(config, started.cookiePath), started.binding, started.ttlSeconds);
    noStore(ctx);
    if (body?.do_redirect ?? true) {
      ctx.set("location", started.url);
      return { status: 302, body: undefined };
    }
    return {
      status: 200,
      body: { redirect_url: started.url, ...okStatus("Redirect to the identity provider") },
    };
  };
}
