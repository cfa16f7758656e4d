/**
 * Upstream changes that regenerate: legitimate as they are, or once the maintainer applied the remedy a
 * finding named (`decide`). Each shows its effect in generated/, the served document and, where the
 * server's behaviour is the point, in the running server's answers.
 */
import { strictEqual as equal, ok, deepStrictEqual as same } from "node:assert/strict";
import { valueAt } from "../lib/patch.js";
import {
  answerBehindRef,
  at,
  EXCHANGE,
  get,
  onlyRecord,
  renameKey,
  type Scenario,
  schema,
  succeeded,
  unchanged,
} from "./scenario.js";

const SSO = "/v1/sso_token";

export const REGENERATIONS: readonly Scenario[] = [
  {
    name: "version bump 1.0.0 → 1.1.0",
    change: (d) => {
      get(d, "info").version = "1.1.0";
    },
    expect: {
      generated: ({ document, changed }) => {
        equal(valueAt(document, ["info", "version"]), "1.1.0");
        ok(changed.includes("generated/openapi.json"));
      },
      requests: [{ method: "GET", path: "/v1/info" }],
      server: ([info], served) => {
        equal(valueAt(info?.body, ["openapi_version"]), "1.1.0");
        equal(valueAt(served, ["info", "version"]), "1.1.0");
      },
    },
  },
  ...(
    [
      ["a BOM", (t: string) => `\uFEFF${t}`],
      ["CRLF line endings", (t: string) => t.replaceAll("\n", "\r\n")],
      ["a BOM and CRLF line endings", (t: string) => `\uFEFF${t.replaceAll("\n", "\r\n")}`],
    ] as const
  ).map(
    ([what, recode]): Scenario => ({
      name: `both files arrive with ${what}`,
      recode,
      expect: { generated: unchanged, requests: [EXCHANGE], server: succeeded },
    }),
  ),
  {
    name: "new optional response property (sso_token answers username)",
    change: (d) => {
      at.responseProperties(d, SSO).username = { type: "string", description: "The mapped user." };
    },
    expect: {
      generated: ({ document, types }) => {
        const response = schema(document, "SsoTokenResponse");
        same(valueAt(response, ["properties", "username", "type"]), "string");
        ok(!(response.required as string[]).includes("username"));
        ok(/username\?: string;/.test(types));
      },
      requests: [EXCHANGE],
      server: (answers, served) => {
        succeeded(answers);
        ok(valueAt(served, ["components", "schemas", "SsoTokenResponse", "properties", "username"]));
      },
    },
  },
  {
    name: 'response key with a TAB, fixed (sso_token answers "database\\t")',
    change: (d) => renameKey(at.responseProperties(d, SSO), "database", "database\t"),
    expect: {
      generated: onlyRecord,
      requests: [EXCHANGE],
      server: ([answer]) => equal(valueAt(answer?.body, ["database"]), "retail_analytics"),
    },
  },
  {
    name: "sso_device_grant's answer moved behind a $ref (same meaning)",
    change: (d) => {
      answerBehindRef(d, "/v1/sso_device_grant", "DeviceGrantAnswer");
    },
    expect: {
      generated: ({ document }) => {
        ok(valueAt(schema(document, "DeviceGrantAnswer"), ["properties", "expires_in"]));
        ok(valueAt(schema(document, "DeviceGrantAnswer"), ["properties", "interval"]));
      },
      requests: [{ method: "POST", path: "/v1/sso_device_grant", body: { database: "retail_analytics" } }],
      server: ([grant]) => {
        equal(grant?.status, 200);
        equal(typeof valueAt(grant?.body, ["user_code"]), "string");
        equal(typeof valueAt(grant?.body, ["expires_in"]), "number");
      },
    },
  },
  {
    name: "sso_token's request body moved behind a $ref (same meaning)",
    change: (d) => {
      const media = get(d, "paths", SSO, "post", "requestBody", "content", "application/json");
      d.components = { schemas: { SsoTokenBody: media.schema } };
      media.schema = { $ref: "#/components/schemas/SsoTokenBody" };
    },
    expect: {
      generated: ({ document, requestKeys }) => {
        ok(schema(document, "SsoTokenRequestWithAccessTokenAsPublished"));
        ok(requestKeys.includes('postOcientHttpQueryApiSsoToken: ["access_token"]'));
      },
      requests: [
        EXCHANGE,
        { ...EXCHANGE, body: { ...(EXCHANGE.body as object), access_token: "$ID_TOKEN" } },
      ],
      server: ([one, both]) => {
        equal(one?.status, 200);
        equal(both?.status, 400);
      },
    },
  },
  {
    name: "sso_authentication's request properties reordered",
    change: (d) => {
      const properties = at.requestProperties(d, "/v1/sso_authentication");
      const { do_redirect: first, ...rest } = properties;
      for (const key of Object.keys(properties)) delete properties[key];
      Object.assign(properties, { do_redirect: first, ...rest });
    },
    expect: {
      generated: ({ changed }) => ok(changed.includes("generated/openapi.json")),
      requests: [
        {
          method: "POST",
          path: "/v1/sso_authentication",
          body: { database: "retail_analytics", do_redirect: false },
        },
      ],
      server: succeeded,
    },
  },
  {
    name: "a request property added to an operation not served (login)",
    change: (d) => {
      at.requestProperties(d, "/v1/login").scope = { type: "string" };
    },
    expect: { generated: onlyRecord },
  },
  {
    name: "a limit added to sso_token's answer (database maxLength 128)",
    change: (d) => {
      get(at.responseProperties(d, SSO), "database").maxLength = 128;
    },
    expect: {
      generated: ({ document }) =>
        equal(valueAt(schema(document, "SsoTokenResponse"), ["properties", "database", "maxLength"]), 128),
    },
  },
  {
    name: "a limit added to the device verify request (user_code maxLength 64)",
    change: (d) => {
      get(at.requestProperties(d, "/v1/sso_device_grant_verify"), "user_code").maxLength = 64;
    },
    expect: {
      generated: ({ document }) =>
        equal(
          valueAt(document, [
            ...["paths", "/v1/sso_device_grant_verify", "post", "requestBody", "content", "application/json"],
            ...["schema", "properties", "user_code", "maxLength"],
          ]),
          64,
        ),
      requests: [
        { method: "POST", path: "/v1/sso_device_grant_verify", body: { user_code: "x".repeat(65) } },
      ],
      server: ([answer]) => {
        equal(answer?.status, 400);
        equal(valueAt(answer?.body, ["status", "vendor_code"]), -1254);
      },
    },
  },
  {
    name: "sso_device_grant's description reworded",
    change: (d) => {
      at.op(d, "/v1/sso_device_grant").description = "Start a device authorization grant (reworded).";
    },
    expect: {
      generated: ({ document }) =>
        equal(
          valueAt(document, ["paths", "/v1/sso_device_grant", "post", "description"]),
          "Start a device authorization grant (reworded).",
        ),
    },
  },
  {
    name: "token_refresh's example answer changed",
    change: (d) => {
      const media = get(
        d,
        "paths",
        "/v1/token_refresh",
        "post",
        "responses",
        "200",
        "content",
        "application/json",
      );
      get(media, "examples", "response", "value").username = "example_user";
    },
    expect: {
      generated: ({ document }) => {
        const value = valueAt(document, [
          ...["paths", "/v1/token_refresh", "post", "responses", "200", "content", "application/json"],
          ...["examples", "response", "value"],
        ]);
        equal(valueAt(value, ["username"]), "example_user");
        equal(valueAt(value, ["token_type"]), "Bearer");
      },
    },
  },
];
