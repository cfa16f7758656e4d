/**
 * Upstream changes to what the server accepts in the request bodies of the served operations: whitespace
 * spellings fixed or added, request properties added, dropped or renamed. Each must stop the maintainer,
 * naming the operation, the key and the remedy, with nothing written.
 */
import { at, renameKey, type Scenario } from "./scenario.js";

const SSO = "/v1/sso_token";
const AUTH = "/v1/sso_authentication";
const fixTab = (key: string, path: string) => (d: Parameters<NonNullable<Scenario["change"]>>[0]) =>
  renameKey(at.requestProperties(d, path), `${key}\t`, key);

export const REFUSED_REQUESTS: readonly Scenario[] = [
  {
    name: 'partial quirk fix: upstream fixes "access_token\\t" only',
    change: fixTab("access_token", SSO),
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "published-spellings",
          at: 'POST /v1/sso_token "access_token\\t"',
          says: /now spells access_token without whitespace/,
          remedy: /still send "access_token\\t": keep accepting it .*\{ kept: .*or stop/,
        },
      ],
    },
  },
  {
    name: 'partial quirk fix: upstream fixes "sso_callback_path\\t" only',
    change: fixTab("sso_callback_path", AUTH),
    expect: {
      refused: "generate",
      findings: [
        { patch: "published-spellings", at: "POST /v1/sso_authentication", remedy: /keep accepting it/ },
      ],
    },
  },
  {
    name: "upstream fixes both whitespace keys",
    change: (d) => {
      fixTab("access_token", SSO)(d);
      fixTab("sso_callback_path", AUTH)(d);
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "published-spellings", at: "POST /v1/sso_authentication", remedy: /keep accepting it/ },
        { patch: "published-spellings", at: "POST /v1/sso_token", remedy: /keep accepting it/ },
        {
          patch: "normalize-property-keys",
          says: /no property key with surrounding whitespace/,
          remedy: /drop this patch/,
        },
      ],
    },
  },
  {
    name: "do_redirect renamed to redirect in sso_authentication",
    change: (d) => renameKey(at.requestProperties(d, AUTH), "do_redirect", "redirect"),
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "request-properties",
          at: "POST /v1/sso_authentication",
          says: /adds redirect and drops do_redirect \(a rename of do_redirect to redirect\?\)/,
          remedy: /handler of postOcientHttpQueryApiSsoAuthentication .*REQUEST_PROPERTIES/,
        },
      ],
    },
  },
  {
    name: "user_code renamed to code in the device verify request",
    change: (d) => {
      renameKey(at.requestProperties(d, "/v1/sso_device_grant_verify"), "user_code", "code");
      at.request(d, "/v1/sso_device_grant_verify").required = ["code"];
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "request-properties",
          at: "POST /v1/sso_device_grant_verify",
          says: /adds code and drops user_code/,
          remedy: /REQUEST_PROPERTIES/,
        },
        // The field rule on user_code (its length) guards the property too.
        {
          patch: "request-field-rules",
          at: "sso_device_grant_verify.post.requestBody",
          remedy: /drop this override/,
        },
      ],
    },
  },
  {
    name: "database dropped from token_refresh's request",
    change: (d) => {
      delete at.requestProperties(d, "/v1/token_refresh").database;
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "request-properties",
          at: "POST /v1/token_refresh",
          says: /drops database/,
          remedy: /no longer advertise database/,
        },
        // The field rule on database (non-empty) guards the property too.
        { patch: "request-field-rules", at: "token_refresh.post.requestBody", remedy: /drop this override/ },
      ],
    },
  },
  {
    name: "new request property client_id in sso_token",
    change: (d) => {
      at.requestProperties(d, SSO).client_id = { type: "string" };
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "request-properties",
          at: "POST /v1/sso_token",
          says: /adds client_id/,
          remedy: /server would ignore client_id/,
        },
      ],
    },
  },
  {
    name: 'second whitespace key "database " beside "access_token\\t"',
    change: (d) => {
      renameKey(at.requestProperties(d, SSO), "database", "database ");
      at.request(d, SSO).required = ["database "];
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "published-spellings",
          at: 'POST /v1/sso_token "database "',
          says: /now publishes the key "database "/,
          remedy: /add "database ": "published" to PUBLISHED_SPELLINGS\.postOcientHttpQueryApiSsoToken/,
        },
      ],
    },
  },
  {
    name: "whitespace key nested below a request property (sso_authentication)",
    change: (d) => {
      at.requestProperties(d, AUTH).do_redirect = {
        type: "object",
        properties: { "enabled\t": { type: "boolean" } },
      };
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "published-spellings",
          says: /"enabled\\t" has surrounding whitespace below/,
          remedy: /normalize-request\.ts/,
        },
      ],
    },
  },
];
