/**
 * Upstream changes that regenerate once the maintainer applied the remedy the finding named (`decide`, an
 * edit of scripts/fix-spec.ts): each shows the decision's effect in generated/, the served document and
 * the running server.
 */
import { strictEqual as equal, ok, deepStrictEqual as same } from "node:assert/strict";
import { valueAt } from "../lib/patch.js";
import { at, EXCHANGE, get, renameKey, type Scenario, schema, succeeded } from "./scenario.js";

const SSO = "/v1/sso_token";
const KEPT = '{ kept: "clients generated from the 1.0.0 document send it" }';

const READS_TODAY = "postOcientHttpQueryApiSsoToken: EXCHANGE_READS,";
const READS_CLIENT_ID = 'postOcientHttpQueryApiSsoToken: [...EXCHANGE_READS, "client_id"],';

export const DECIDED: readonly Scenario[] = [
  {
    name: "one release with six legitimate changes: version bump, BOM, CRLF, new optional response property, TAB-fixed response key, new request property listed as read",
    change: (d) => {
      get(d, "info").version = "1.1.0";
      const answer = at.responseProperties(d, SSO);
      answer.username = { type: "string", description: "The mapped user." };
      renameKey(answer, "database", "database\t");
      at.requestProperties(d, SSO).client_id = { type: "string", maxLength: 64 };
    },
    recode: (text) => `\uFEFF${text.replaceAll("\n", "\r\n")}`,
    decide: [[READS_TODAY, READS_CLIENT_ID]],
    expect: {
      generated: ({ document, types }) => {
        equal(valueAt(document, ["info", "version"]), "1.1.0");
        const answer = schema(document, "SsoTokenResponse");
        same(Object.keys(answer.properties as object), [
          "id_token",
          "database",
          "username",
          "expires_in",
          "token_type",
        ]);
        ok(/username\?: string;/.test(types) && /client_id\?: string;/.test(types));
      },
      requests: [
        { method: "GET", path: "/v1/info" },
        { ...EXCHANGE, body: { ...(EXCHANGE.body as object), client_id: "reports" } },
      ],
      server: ([info, exchange]) => {
        equal(valueAt(info?.body, ["openapi_version"]), "1.1.0");
        equal(exchange?.status, 200);
        equal(valueAt(exchange?.body, ["database"]), "retail_analytics");
      },
    },
  },
  {
    name: "new request property client_id in sso_token, listed as read",
    change: (d) => {
      at.requestProperties(d, SSO).client_id = { type: "string", maxLength: 64 };
    },
    decide: [[READS_TODAY, READS_CLIENT_ID]],
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
];
