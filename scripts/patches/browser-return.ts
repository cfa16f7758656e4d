/**
 * The patch of the browser flow's return to a web app (docs/sign-in.md): sso_authentication may name
 * where the browser lands after the callback, and the callback then answers 303 there instead of the
 * published JSON, which stays the answer of a sign-in started without it.
 */
import { applyOverrides, nothing, type Override, type Patch } from "../lib/patch.js";

const AUTHENTICATION = ["paths", "/v1/sso_authentication", "post"];
const CALLBACK = ["paths", "/v1/callback", "get"];
const BODY = [...AUTHENTICATION, "requestBody", "content", "application/json", "schema", "properties"];

export const browserReturn: Patch = {
  name: "browser-return",
  why:
    "A person signing in to a web app should land back in the app, not on a page of JSON. `return_to` (an " +
    "extension of sso_authentication) names where, and must be exactly one of the service's " +
    "`server.return_urls`, so the service is never an open redirect; the callback then answers 303 to it with " +
    "no token in the URL, and the app obtains the token with token_refresh and the session cookie. Without " +
    "`return_to` the callback answers the published JSON.",
  apply(document, context) {
    const overrides: Override[] = [
      {
        at: [...BODY, "return_to"],
        upstream: nothing,
        served: {
          type: "string",
          maxLength: 2048,
          description:
            "Extension: where the browser lands after the callback, exactly one of `server.return_urls` " +
            "(else 400 -1254). The callback then answers 303 there, with no token in the URL.",
        },
      },
      {
        at: [...CALLBACK, "responses", "303"],
        upstream: nothing,
        served: {
          description:
            "Extension: signed in, back to the `return_to` the sign-in started with; the session cookie is set.",
          headers: {
            Location: { required: true, schema: { type: "string" }, description: "The `return_to` URL." },
          },
        },
      },
    ];
    if (!context.check(document, overrides)) return [];
    return applyOverrides(document, overrides);
  },
};
