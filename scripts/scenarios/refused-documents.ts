/**
 * Upstream changes to the operations and to the spots the patches rely on or override, and releases that
 * cannot be read: each is refused by the step that can tell (import or generate), naming the change and its
 * remedy, with nothing written.
 */
import { answerBehindRef, at, get, renameKey, type Scenario } from "./scenario.js";

const SSO = "/v1/sso_token";
const importRefused = (message: RegExp) => ({ refused: "import", message }) as const;

export const REFUSED_DOCUMENTS: readonly Scenario[] = [
  {
    name: "duplicate operationId (a new route reuses getOcientHttpQueryApiInfo)",
    change: (d) => {
      get(d, "paths")["/v1/about"] = { get: { ...at.op(d, "/v1/info", "get") } };
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "not-served-operations",
          at: "GET /v1/info, GET /v1/about",
          says: /names 2 operations/,
          remedy: /ask upstream which operation/,
        },
      ],
    },
  },
  {
    name: "new operation neither served nor listed",
    change: (d) => {
      get(d, "paths")["/v1/whoami"] = { get: { operationId: "getOcientHttpQueryApiWhoami", responses: {} } };
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "not-served-operations",
          at: "GET /v1/whoami",
          remedy: /write a handler .* or list it in NOT_SERVED_OPERATIONS/,
        },
      ],
    },
  },
  {
    name: "sso_token's operationId renamed",
    change: (d) => {
      at.op(d, SSO).operationId = "postOcientHttpQueryApiSsoTokenExchange";
    },
    expect: {
      refused: "generate",
      findings: [0, 1].map(() => ({
        patch: "not-served-operations",
        at: "POST /v1/sso_token",
        remedy: /upstream renamed postOcientHttpQueryApiSsoToken to/,
      })),
    },
  },
  {
    name: "logout dropped",
    change: (d) => {
      delete get(d, "paths")["/v1/logout"];
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "not-served-operations",
          at: "POST /v1/logout",
          remedy: /upstream dropped postOcientHttpQueryApiLogout/,
        },
      ],
    },
  },
  {
    name: "logout moved to /v2/logout",
    change: (d) => {
      const paths = get(d, "paths");
      paths["/v2/logout"] = paths["/v1/logout"];
      delete paths["/v1/logout"];
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "not-served-operations",
          at: "POST /v2/logout",
          remedy: /upstream moved postOcientHttpQueryApiLogout/,
        },
      ],
    },
  },
  {
    name: "sso_token's body made optional and database no longer required",
    change: (d) => {
      get(at.op(d, SSO), "requestBody").required = false;
      delete at.request(d, SSO).required;
    },
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "request-body-required",
          at: "requestBody.required",
          remedy: /decide what an exchange without one means/,
        },
        { patch: "exactly-one-token", at: "schema.required", remedy: /made `database` optional/ },
      ],
    },
  },
  {
    name: "upstream sets a spot a patch overrides (sso_token database maxLength 64)",
    change: (d) => {
      get(at.requestProperties(d, SSO), "database").maxLength = 64;
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "exactly-one-token", at: "database.maxLength", says: /^64$/, remedy: /^drop this override/ },
      ],
    },
  },
  {
    name: "upstream documents a 401 for sso_token",
    change: (d) => {
      get(at.op(d, SSO), "responses")["401"] = { description: "Unauthorized" };
    },
    expect: {
      refused: "generate",
      findings: [{ patch: "error-responses", at: "responses.401", remedy: /\w/ }],
    },
  },
  {
    name: "upstream lists its servers relative to the host",
    change: (d) => {
      d.servers = [{ url: "/" }];
    },
    expect: {
      refused: "generate",
      findings: [{ patch: "local-servers", at: "servers", remedy: /drop this override/ }],
    },
  },
  {
    name: "an OpenAPI 3.0 document",
    change: (d) => {
      d.openapi = "3.0.3";
    },
    expect: { refused: "generate", findings: [{ patch: "merge", at: "openapi", remedy: /\w/ }] },
  },
  {
    name: "the page and the whole document disagree (page only)",
    pageText: (text) => text.replace("summary: sso_token", "summary: sso_token, renamed"),
    expect: {
      refused: "generate",
      findings: [
        {
          patch: "page-and-document-agree",
          says: /ocient-sso-token\.yaml changed since/,
          remedy: /import-published/,
        },
      ],
    },
  },
  {
    name: "upstream defines a component the service defines (OcientStatus)",
    change: (d) => {
      d.components = { schemas: { OcientStatus: { type: "object" } } };
    },
    expect: {
      refused: "generate",
      findings: [{ patch: "merge", at: "components.schemas.OcientStatus", remedy: /changed/ }],
    },
  },
  {
    name: "token_refresh answers user instead of username",
    change: (d) => renameKey(at.responseProperties(d, "/v1/token_refresh"), "username", "user"),
    expect: {
      refused: "generate",
      findings: [
        { patch: "token-refresh-response", at: "properties.username", says: /^nothing$/, remedy: /\w/ },
      ],
    },
  },
  {
    name: "sso_device_grant's user_code becomes an integer, behind a $ref",
    change: (d) => {
      get(answerBehindRef(d, "/v1/sso_device_grant", "DeviceGrantAnswer"), "properties").user_code = {
        type: "integer",
      };
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "device-grant-responses", at: "properties.user_code", says: /"integer"/, remedy: /\w/ },
      ],
    },
  },
  {
    name: "upstream adds expires_in to sso_device_grant's answer (an extension of ours)",
    change: (d) => {
      at.responseProperties(d, "/v1/sso_device_grant").expires_in = { type: "integer" };
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "device-grant-responses", at: "properties.expires_in", remedy: /drop this override/ },
      ],
    },
  },
  {
    name: "the callback's state parameter renamed",
    change: (d) => {
      get(at.op(d, "/v1/callback", "get"), "parameters", "1").name = "csrf_state";
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "browser-flow-responses", at: "parameters.1.name", says: /csrf_state/, remedy: /\w/ },
      ],
    },
  },
  {
    name: "token_refresh's Authorization header dropped",
    change: (d) => {
      const op = at.op(d, "/v1/token_refresh");
      op.parameters = (op.parameters as unknown[]).slice(1);
    },
    expect: {
      refused: "generate",
      findings: [
        { patch: "token-refresh-headers", at: "parameters.0.name", says: /"Content-Type"/, remedy: /\w/ },
        { patch: "token-refresh-headers", at: "parameters.1.name", says: /^nothing$/, remedy: /\w/ },
        { patch: "token-refresh-headers", at: "parameters.1.required", says: /^nothing$/, remedy: /\w/ },
      ],
    },
  },
  {
    name: "import: the whole document is not valid JSON",
    documentText: (text) => text.slice(0, text.length / 2),
    expect: importRefused(/generated-api-methods\.json: not valid JSON .*nothing was written/),
  },
  {
    name: "import: the page's yaml block is not valid YAML",
    pageText: (text) => text.replace("paths:\n", "paths: [\n"),
    expect: importRefused(/ocient-sso-token\.yaml: not valid YAML .*nothing was written/),
  },
  {
    name: "import: the whole document is not an OpenAPI document",
    documentText: () => '{ "swagger": "2.0" }\n',
    expect: importRefused(/no `openapi` or `paths`.*nothing was written/),
  },
  {
    name: "import: the page has no yaml block",
    pageText: (text) => text.replaceAll("````yaml", "```yaml"),
    expect: importRefused(/no ````yaml block/),
  },
];
