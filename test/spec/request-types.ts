/**
 * Compile-only (checked by `tsc --noEmit`): the generated request body type accepts exactly the
 * shapes the schema accepts. Each `@ts-expect-error` fails the build if the line ever compiles.
 */
import type { components, operations } from "../../generated/types.js";

type SsoTokenRequest = components["schemas"]["SsoTokenRequest"];
type RequestBody = operations["postOcientHttpQueryApiSsoToken"]["requestBody"]["content"]["application/json"];

export const withIdToken: SsoTokenRequest = { database: "retail_analytics", id_token: "eyJ..." };
export const withAccessToken: SsoTokenRequest = { database: "retail_analytics", access_token: "eyJ..." };
export const viaOperation: RequestBody = { database: "retail_analytics", id_token: "eyJ..." };

// @ts-expect-error both tokens
export const both: SsoTokenRequest = {
  database: "retail_analytics",
  id_token: "eyJ...",
  access_token: "eyJ...",
};

// @ts-expect-error neither token
export const neither: SsoTokenRequest = { database: "retail_analytics" };

// @ts-expect-error no database
export const noDatabase: SsoTokenRequest = { id_token: "eyJ..." };

// @ts-expect-error a misspelled key
export const misspelled: SsoTokenRequest = { database: "retail_analytics", id_tokn: "eyJ..." };

// @ts-expect-error both tokens, through the operation's body type
export const bothViaOperation: RequestBody = { database: "d", id_token: "eyJ...", access_token: "eyJ..." };

// @ts-expect-error a token that is not a string
export const notAString: SsoTokenRequest = { database: "retail_analytics", id_token: 42 };

/** Built up from variables rather than a literal: excess-property checks don't apply, `never` still does. */
const tokens = { id_token: "eyJ...", access_token: "eyJ..." };
// @ts-expect-error both tokens, spread in
export const spread: SsoTokenRequest = { database: "retail_analytics", ...tokens };

export const publishedSpelling: SsoTokenRequest = {
  database: "retail_analytics",
  // @ts-expect-error the published spelling is described in the served document, not in the typed client
  "access_token\t": "eyJ...",
};
