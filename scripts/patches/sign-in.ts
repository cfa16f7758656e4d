/**
 * The patches of the served sign-in operations: the device grant (`POST /v1/sso_device_grant`,
 * `POST /v1/sso_device_grant_verify`) and the browser flow (`POST /v1/sso_authentication`,
 * `GET /v1/callback`). Each keeps what upstream says and declares what it extends.
 */
import {
  applyOverrides,
  type Guard,
  is,
  matching,
  nothing,
  type Override,
  type Patch,
} from "../lib/patch.js";
import { isObject } from "../lib/walk-schemas.js";

const op = (path: string, method: string) => ["paths", path, method];
const DEVICE = op("/v1/sso_device_grant", "post");
const VERIFY = op("/v1/sso_device_grant_verify", "post");
const AUTHENTICATION = op("/v1/sso_authentication", "post");
const CALLBACK = op("/v1/callback", "get");
const okProperties = (at: string[]) => [
  ...at,
  "responses",
  "200",
  "content",
  "application/json",
  "schema",
  "properties",
];
const stringProperty = matching("a string property", (v) => isObject(v) && v.type === "string");

const EXPIRES_IN = {
  type: "integer",
  minimum: 1,
  description: "Extension: seconds until the token expires (RFC 6749 §5.1).",
};
const TOKEN_TYPE = {
  type: "string",
  enum: ["Bearer"],
  description: "Extension: always `Bearer` (RFC 6750).",
};
const MINTED = (at: string[]): Override[] => [
  { at: [...okProperties(at), "expires_in"], upstream: nothing, served: EXPIRES_IN },
  { at: [...okProperties(at), "token_type"], upstream: nothing, served: TOKEN_TYPE },
];

export const deviceGrantResponses: Patch = {
  name: "device-grant-responses",
  why:
    "The device grant's answers are published without the lifetimes a client needs: how long the user code " +
    "lives and how often to poll (RFC 8628 §3.2 `expires_in`, `interval`), and the minted token's `expires_in` " +
    "and `token_type`. They are a documented extension.",
  apply(document, context) {
    const guards: Guard[] = [
      { at: [...okProperties(DEVICE), "user_code"], upstream: stringProperty },
      { at: [...okProperties(VERIFY), "access_token"], upstream: stringProperty },
    ];
    const overrides: Override[] = [
      {
        at: [...okProperties(DEVICE), "expires_in"],
        upstream: nothing,
        served: { type: "integer", minimum: 1, description: "Extension: seconds the user code stays valid." },
      },
      {
        at: [...okProperties(DEVICE), "interval"],
        upstream: nothing,
        served: {
          type: "integer",
          minimum: 1,
          description: "Extension: seconds the provider asks between polls.",
        },
      },
      ...MINTED(VERIFY),
    ];
    if (!context.check(document, [...guards, ...overrides])) return [];
    return applyOverrides(document, overrides);
  },
};

export const browserFlowResponses: Patch = {
  name: "browser-flow-responses",
  why:
    "sso_authentication answers 302 to the provider when `do_redirect` is true (the default), which the " +
    "published document does not list, and with `do_redirect: false` the URL itself as `redirect_url` (an " +
    "extension). Its published 404 (`{message}`) is not an answer of this service: an unknown route answers " +
    "the Ocient body. The callback answers the minted token as an extension, and a provider that refuses the " +
    "sign-in sends `error` (and `error_description`) without `code` (RFC 6749 §4.1.2.1), and `iss` (RFC 9207), " +
    "so `code` is optional and those are listed.",
  apply(document, context) {
    const parameters = [...CALLBACK, "parameters"];
    const guards: Guard[] = [
      { at: [...parameters, "0", "name"], upstream: is("code") },
      { at: [...parameters, "1", "name"], upstream: is("state") },
      { at: [...parameters, "2"], upstream: nothing },
    ];
    const query = (name: string, description: string) => ({
      name,
      in: "query",
      required: false,
      description,
      schema: { type: "string" },
    });
    const overrides: Override[] = [
      {
        at: [...AUTHENTICATION, "responses", "302"],
        upstream: nothing,
        served: {
          description: "Redirect to the provider's authorization endpoint (`do_redirect` true, the default).",
          headers: {
            Location: {
              required: true,
              schema: { type: "string" },
              description: "The authorization request.",
            },
          },
        },
      },
      {
        at: [...okProperties(AUTHENTICATION), "redirect_url"],
        upstream: nothing,
        served: {
          type: "string",
          description: "Extension: with `do_redirect: false`, the provider's authorization request to open.",
        },
      },
      {
        at: [...AUTHENTICATION, "responses", "404"],
        upstream: matching("a 404 answer", isObject),
        served: undefined,
      },
      { at: [...parameters, "0", "required"], upstream: is(true), served: false },
      {
        at: [...parameters, "2"],
        upstream: nothing,
        served: query(
          "iss",
          "The provider's issuer identifier (RFC 9207), checked when the provider sends it.",
        ),
      },
      {
        at: [...parameters, "3"],
        upstream: nothing,
        served: query("error", "The provider's refusal (RFC 6749 §4.1.2.1), sent instead of `code`."),
      },
      {
        at: [...parameters, "4"],
        upstream: nothing,
        served: query("error_description", "The provider's words for its refusal; never shown."),
      },
      {
        at: [...okProperties(CALLBACK), "access_token"],
        upstream: nothing,
        served: { type: "string", description: "Extension: the minted Ocient access token." },
      },
      {
        at: [...okProperties(CALLBACK), "username"],
        upstream: nothing,
        served: { type: "string", description: "Extension: the mapped user." },
      },
      {
        at: [...okProperties(CALLBACK), "database"],
        upstream: nothing,
        served: { type: "string", description: "Extension: the database the token is scoped to." },
      },
      ...MINTED(CALLBACK),
    ];
    if (!context.check(document, [...guards.slice(0, 2), ...overrides])) return [];
    return applyOverrides(document, overrides);
  },
};
