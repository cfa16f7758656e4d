/**
 * Every operation of the served document, by generated operationId: how the router reads its body,
 * whether it is rate limited and audited, and its handler. A new operation is one handler file and one
 * entry here; `tsc` fails while the document and this table disagree.
 */
import { getHealthz, getReadyz } from "./handlers/get-health.js";
import { getJwks } from "./handlers/get-jwks.js";
import { getMetrics } from "./handlers/get-metrics.js";
import { getOpenapiJson, getOpenapiYaml } from "./handlers/get-openapi.js";
import { getOpenidConfiguration } from "./handlers/get-openid-configuration.js";
import { postSsoToken } from "./handlers/post-sso-token.js";
import { normalizeSsoTokenRequest } from "./normalize-request.js";
import type { OperationTable } from "./operations.js";

const probe = { body: "none", rateLimited: false, audited: false } as const;

export const OPERATIONS: OperationTable = {
  postOcientHttpQueryApiSsoToken: {
    body: "json",
    rateLimited: true,
    audited: true,
    normalize: (body, { service }) =>
      normalizeSsoTokenRequest(body, service.current.config.server.max_token_bytes),
    handler: postSsoToken,
  },
  getJwks: { ...probe, handler: getJwks },
  getOpenidConfiguration: { ...probe, handler: getOpenidConfiguration },
  getOpenapiJson: { ...probe, handler: getOpenapiJson },
  getOpenapiYaml: { ...probe, handler: getOpenapiYaml },
  getHealthz: { ...probe, handler: getHealthz },
  getReadyz: { ...probe, handler: getReadyz },
  getMetrics: { ...probe, handler: getMetrics },
};
