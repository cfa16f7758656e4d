/**
 * The rules on single request fields of the served operations other than sso_token (whose body is
 * `exactly-one-token`'s): written in the served document, so the router's validation is the only place
 * they are checked and every breach answers 400 -1254 with the validator's reason. Rules across fields
 * (exactly one token, a callback path on the integration's allow-list) stay in code.
 */
import { applyOverrides, type Guard, is, nothing, type Override, type Patch } from "../lib/patch.js";

const bodyProperty = (path: string, name: string) => [
  "paths",
  path,
  "post",
  "requestBody",
  "content",
  "application/json",
  "schema",
  "properties",
  name,
];

/** The operations whose body names a `database` (published default `system`; an empty one is refused). */
const DATABASE_IN = [
  "/v1/token_refresh",
  "/v1/sso_device_grant",
  "/v1/sso_device_grant_verify",
  "/v1/sso_authentication",
];
const VERIFY = "/v1/sso_device_grant_verify";
/** 1 to 600 seconds as published, as a string of at most three digits ("010" is 10). */
const TIMEOUT_STRING = "^(?:0{0,2}[1-9]|0?[1-9][0-9]|[1-5][0-9]{2}|600)$";

export const requestFieldRules: Patch = {
  name: "request-field-rules",
  why:
    "The published bodies of the session and sign-in operations type their fields but leave their rules to " +
    "prose: `database` defaults to system when absent, so an empty one names nothing; `user_code` is required, " +
    "so an empty one is no code; `timeout` is 1 to 600 seconds, published as a string, and a number of seconds " +
    "is accepted too, as the published text allows either.",
  apply(document, context) {
    const timeout = bodyProperty(VERIFY, "timeout");
    const guards: Guard[] = [
      ...DATABASE_IN.map(
        (path): Guard => ({ at: [...bodyProperty(path, "database"), "type"], upstream: is("string") }),
      ),
      { at: [...bodyProperty(VERIFY, "user_code"), "type"], upstream: is("string") },
    ];
    const overrides: Override[] = [
      ...DATABASE_IN.map(
        (path): Override => ({
          at: [...bodyProperty(path, "database"), "minLength"],
          upstream: nothing,
          served: 1,
        }),
      ),
      { at: [...bodyProperty(VERIFY, "user_code"), "minLength"], upstream: nothing, served: 1 },
      { at: [...timeout, "type"], upstream: is("string"), served: undefined },
      {
        at: [...timeout, "oneOf"],
        upstream: nothing,
        served: [
          { type: "string", pattern: TIMEOUT_STRING },
          { type: "integer", minimum: 1, maximum: 600 },
        ],
      },
    ];
    if (!context.check(document, [...guards, ...overrides])) return [];
    return applyOverrides(document, overrides);
  },
};
