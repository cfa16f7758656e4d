/**
 * `browserSignIn()`: the browser flow's start for a web app. `sso_authentication` with
 * `do_redirect: false` answers the provider's URL instead of a 302, so the app decides when and how to
 * go there; the binding cookie it sets must be kept by the browser (same-origin, or
 * `credentials: "include"` from another origin of the same site).
 */
import type { Client } from "openapi-fetch";
import type { paths } from "../../generated/types.js";
import { call } from "./call.js";
import { badResponse } from "./exchange-error.js";

export interface BrowserSignInInput {
  /** The database of the token (default `system`, as published). */
  database?: string;
  /** `sso_callback_path`: one of the integration's `callback_paths` (default: the first). */
  callbackPath?: string;
  /**
   * Where the browser lands after the callback: exactly one of the service's `server.return_urls`.
   * Without it, the callback answers the published JSON.
   */
  returnTo?: string;
}

export interface BrowserSignInResult {
  /** The provider's authorization request: send the browser there (`location.assign(url)`). */
  url: string;
}

export async function browserSignIn(
  raw: Client<paths>,
  input: BrowserSignInInput,
): Promise<BrowserSignInResult> {
  const body = {
    do_redirect: false,
    ...(input.database === undefined ? {} : { database: input.database }),
    ...(input.callbackPath === undefined ? {} : { sso_callback_path: input.callbackPath }),
    ...(input.returnTo === undefined ? {} : { return_to: input.returnTo }),
  };
  const { data, response } = await call("browserSignIn", (watch) =>
    raw.POST("/v1/sso_authentication", { body, middleware: [watch] }),
  );
  if (!data || typeof data.redirect_url !== "string") {
    throw badResponse("browserSignIn", response, "the service answered 2xx without the provider's URL");
  }
  return { url: data.redirect_url };
}
