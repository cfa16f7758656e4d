/**
 * Every operation of the served document, by generated operationId: how the router reads its body,
 * whether it is rate limited and audited, and its handler. A new operation is one handler file and one
 * entry here; `tsc` fails while the document and this table disagree.
 */

import { getCallback } from "./handlers/get-callback.js";
import { getHealthz, getReadyz } from "./handlers/get-health.js";
import { getInfo } from "./handlers/get-info.js";
import { getJwks } from "./handlers/get-jwks.js";
import { getMetrics } from "./handlers/get-metrics.js";
import { getOpenapiJson, getOpenapiYaml } from "./handlers/get-openapi.js";
import { getOpenidConfiguration } from "./handlers/get-openid-configuration.js";
import { postLogout } from "./handlers/post-logout.js";
import { postOauth2Token } from "./handlers/post-oauth2-token.js";
import { postSsoAuthentication } from "./handlers/post-sso-authentication.js";
import { postSsoDeviceGrant } from "./handlers/post-sso-device-grant.js";
import { postSsoDeviceGrantVerify } from "./handlers/post-sso-device-grant-verify.js";
import { postSsoToken } from "./handlers/post-sso-token.js";
import { postTokenRefresh } from "./handlers/post-token-refresh.js";
import { normalizeSsoTokenRequest } from "./normalize-request.js";
import type { OperationTable } from "./operations.js";

const probe = { body: "none", rateLimited: false, audited: false } as const;

export const OPERATIONS: OperationTable = {
  postOcientHttpQueryApiSsoToken: {
    body: "json",
    rateLimited: true,
    audited: "exchange",
    normalize: (body, { service }) =>
      normalizeSsoTokenRequest(body, service.current.config.server.max_token_bytes),
    handler: postSsoToken,
  },
  postOcientHttpQueryApiTokenRefresh: {
    body: "optional-json",
    rateLimited: true,
    audited: "refresh",
    handler: postTokenRefresh,
  },
  getOcientHttpQueryApiInfo: { ...probe, handler: getInfo },
  postOcientHttpQueryApiSsoDeviceGrant: {
    body: "optional-json",
    rateLimited: "always",
    audited: false,
    handler: postSsoDeviceGrant,
  },
  postOcientHttpQueryApiSsoDeviceGrantVerify: {
    body: "json",
    rateLimited: true,
    audited: "sign_in",
    handler: postSsoDeviceGrantVerify,
  },
  postOcientHttpQueryApiSsoAuthentication: {
    body: "optional-json",
    rateLimited: "always",
    audited: false,
    handler: postSsoAuthentication,
  },
  getOcientHttpQueryApiCallback: {
    body: "none",
    rateLimited: false,
    audited: "sign_in",
    handler: getCallback,
  },
  postOcientHttpQueryApiLogout: {
    body: "optional-json",
    rateLimited: false,
    audited: false,
    handler: postLogout,
  },
  postOauth2Token: {
    body: "form",
    errors: "oauth",
    rateLimited: true,
    audited: "exchange",
    handler: postOauth2Token,
  },
  getJwks: { ...probe, handler: getJwks },
  getOpenidConfiguration: { ...probe, handler: getOpenidConfiguration },
  getOpenapiJson: { ...probe, handler: getOpenapiJson },
  getOpenapiYaml: { ...probe, handler: getOpenapiYaml },
  getHealthz: { ...probe, handler: getHealthz },
  getReadyz: { ...probe, handler: getReadyz },
  getMetrics: { ...probe, handler: getMetrics },
};
