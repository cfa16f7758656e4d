/**
 * Upstream changes that regenerate: legitimate as they are, or once the maintainer applied the remedy a
 * finding named (`decide`). Each shows its effect in generated/, the served document and, where the
 * server's behaviour is the point, in the running server's answers.
 */
import { strictEqual as equal, ok, deepStrictEqual as same } from "node:assert/strict";
import { valueAt } from "../lib/patch.js";
import { at, EXCHANGE, get, renameKey, type Scenario } from "./scenario.js";

const SSO = "/v1/sso_token";
const schema = (document: object, name: string) => get(document as never, "components", "schemas", name);
const unchanged = ({ changed }: { changed: readonly string[] }) => same(changed, []);
const onlyRecord = ({ changed }: { changed: readonly string[] }) =>
  same(changed, ["generated/upstream.json"]);
const succeeded = (answers: readonly { status: number }[]) => equal(answers[0]?.status, 200);
const KEPT = '{ kept: "clients generated from the 1.0.0 document send it" }';

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
    name: "new request property client_id in sso_token, listed as read",
    change: (d) => {
      at.requestProperties(d, SSO).client_id = { type: "string", maxLength: 64 };
    },
    decide: [
      [
        "postOcientHttpQueryApiSsoToken: EXCHANGE_READS,",
        'postOcientHttpQueryApiSsoToken: [...EXCHANGE_READS, "client_id"],',
      ],
    ],
    expect: {
      generated: ({ document, types }) => {
        for (const name of ["SsoTokenRequestWithIdToken", "SsoTokenRequestWithAccessToken"]) {
          same(valueAt(schema(document, name), ["properties", "client_id"]), {
            type: "string",
            maxLength: 64,
          });
        }
        ok(/client_id\?: string;/.test(types));
      },
      requests: [
        { ...EXCHANGE, body: { ...(EXCHANGE.body as object), client_id: "reports" } },
        { ...EXCHANGE, body: { ...(EXCHANGE.body as object), client_id: "x".repeat(65) } },
      ],
      server: ([listed, tooLong]) => {
        equal(listed?.status, 200);
        equal(tooLong?.status, 400);
      },
    },
  },
  {
    name: "sso_device_grant's answer moved behind a $ref (same meaning)",
    change: (d) => {
      const media = get(
        d,
        "paths",
        "/v1/sso_device_grant",
        "post",
        "responses",
        "200",
        "content",
        "application/json",
      );
      d.components = { schemas: { DeviceGrantAnswer: media.schema } };
      media.schema = { $ref: "#/components/schemas/DeviceGrantAnswer" };
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
    name: 'upstream fixes "access_token\\t"; the maintainer keeps accepting it',
    change: (d) => renameKey(at.requestProperties(d, SSO), "access_token\t", "access_token"),
    decide: [['{ "access_token\\t": "published" }', `{ "access_token\\t": ${KEPT} }`]],
    expect: {
      generated: ({ document, requestKeys }) => {
        ok(requestKeys.includes('postOcientHttpQueryApiSsoToken: ["access_token"]'));
        ok(schema(document, "SsoTokenRequestWithAccessTokenAsPublished"));
      },
      requests: ["access_token", "access_token\t"].map((key) => ({
        method: "POST",
        path: SSO,
        body: { database: "retail_analytics", [key]: "$ID_TOKEN" },
      })),
      // The old spelling reads as access_token: the same answer as the fixed key, not a 400 for an unknown key.
      server: ([fixed, old]) => same(old, fixed),
    },
  },
  {
    name: 'upstream fixes "sso_callback_path\\t"; the maintainer stops accepting it',
    change: (d) =>
      renameKey(
        at.requestProperties(d, "/v1/sso_authentication"),
        "sso_callback_path\t",
        "sso_callback_path",
      ),
    decide: [['  postOcientHttpQueryApiSsoAuthentication: { "sso_callback_path\\t": "published" },\n', ""]],
    expect: {
      generated: ({ document, requestKeys }) => {
        ok(!requestKeys.includes("postOcientHttpQueryApiSsoAuthentication"));
        ok(!JSON.stringify(document).includes("sso_callback_path\\t"));
      },
      requests: [
        {
          method: "POST",
          path: "/v1/sso_authentication",
          body: { database: "retail_analytics", do_redirect: false, "sso_callback_path\t": "/elsewhere" },
        },
      ],
      // sso_authentication's body is open: the old spelling is now ignored, as the finding warned.
      server: ([answer]) => {
        equal(answer?.status, 200);
        ok(String(valueAt(answer?.body, ["redirect_url"])).includes(encodeURIComponent("/v1/callback")));
      },
    },
  },
  {
    name: 'second whitespace key "database " in sso_token; the maintainer accepts it',
    change: (d) => {
      renameKey(at.requestProperties(d, SSO), "database", "database ");
      at.request(d, SSO).required = ["database "];
    },
    decide: [
      ['{ "access_token\\t": "published" }', '{ "access_token\\t": "published", "database ": "published" }'],
    ],
    expect: {
      generated: ({ document, requestKeys }) => {
        ok(requestKeys.includes('postOcientHttpQueryApiSsoToken: ["access_token", "database"]'));
        ok(schema(document, "SsoTokenRequestWithIdTokenAsPublished"));
        ok(schema(document, "SsoTokenRequestWithAccessTokenAsPublished"));
      },
      requests: [{ ...EXCHANGE, body: { "database ": "retail_analytics", id_token: "$ID_TOKEN" } }],
      server: succeeded,
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
    name: "new operation GET /v1/whoami, listed as not served",
    change: (d) => {
      get(d, "paths")["/v1/whoami"] = {
        get: { operationId: "getOcientHttpQueryApiWhoami", responses: { "200": { description: "ok" } } },
      };
    },
    decide: [
      [
        "export const NOT_SERVED_OPERATIONS: NotServedOperations = {\n",
        'export const NOT_SERVED_OPERATIONS: NotServedOperations = {\n  getOcientHttpQueryApiWhoami: { route: "GET /v1/whoami", reason: SQL_NODES },\n',
      ],
    ],
    expect: {
      generated: ({ document, changed }) => {
        equal(valueAt(document, ["paths", "/v1/whoami"]), undefined);
        same(changed, ["generated/upstream.json"]);
      },
      requests: [{ method: "GET", path: "/v1/whoami" }],
      server: ([answer]) => equal(answer?.status, 404),
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
