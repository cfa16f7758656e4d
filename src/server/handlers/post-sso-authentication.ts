/**
 * `POST /v1/sso_authentication` (postOcientHttpQueryApiSsoAuthentication): starts the browser flow. It
 * sets the binding cookie and answers 302 to the provider, or with `do_redirect: false` 200 with the
 * URL as `redirect_url`. The published body names the path key `"sso_callback_path\t"` (with a TAB);
 * both spellings are accepted, one at a time.
 */
import { InvalidRequest } from "../../errors.js";
import { BINDING_COOKIE, bodyObject, databaseOf, noStore, okStatus, setCookie } from "../sign-in-http.js";
import type { Handler, HandlerDeps } from "./types.js";

const PATH_KEY = "sso_callback_path";
const VERBATIM_PATH_KEY = "sso_callback_path\t";

export function postSsoAuthentication({ service }: HandlerDeps): Handler {
  return async function postSsoAuthentication(ctx, body) {
    const request = bodyObject(body);
    if (Object.hasOwn(request, PATH_KEY) && Object.hasOwn(request, VERBATIM_PATH_KEY)) {
      throw new InvalidRequest("provide sso_callback_path once");
    }
    const path = request[PATH_KEY] ?? request[VERBATIM_PATH_KEY];
    const doRedirect = request.do_redirect ?? true;
    if (typeof doRedirect !== "boolean") throw new InvalidRequest("do_redirect must be a boolean");
    const { config, signIn } = service.current;
    const started = await signIn.browser.start(databaseOf(request), path);
    setCookie(ctx, config, BINDING_COOKIE, started.binding, {
      path: started.cookiePath,
      maxAgeSeconds: started.ttlSeconds,
    });
    noStore(ctx);
    if (doRedirect) {
      ctx.status = 302;
      ctx.set("location", started.url);
      ctx.body = okStatus("Redirecting to the identity provider");
      return;
    }
    ctx.body = { redirect_url: started.url, ...okStatus("Redirect to the identity provider") };
  };
}
