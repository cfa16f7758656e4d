/**
 * What the service serves of Ocient's published document, and the named patches that turn it into the
 * served document. Patches are edits: everything upstream says reaches generated/ unless a patch
 * declares the spot it overrides (scripts/lib/patch.ts), and generation fails, naming the spot, what
 * upstream now says there and the remedy, when upstream says something else. Every finding of a run is
 * reported at once. The published files are never edited.
 */
import { type Finding, type Patch, type PatchReport, runPatches } from "./lib/patch.js";
import type { JsonObject } from "./lib/walk-schemas.js";
import { browserReturn } from "./patches/browser-return.js";
import { errorResponses } from "./patches/error-responses.js";
import { localServers } from "./patches/local-servers.js";
import {
  type NotServedOperations,
  notServedOperations,
  type ServedOperations,
} from "./patches/operations.js";
import { normalizePropertyKeys } from "./patches/property-keys.js";
import { requestFieldRules } from "./patches/request-fields.js";
import { refreshHeaders, refreshResponse } from "./patches/session.js";
import { browserFlowResponses, deviceGrantResponses } from "./patches/sign-in.js";
import { exactlyOneToken, requestBodyRequired, responseExtension } from "./patches/sso-token.js";

/**
 * The upstream operations the service serves, by operationId, each with a handler. To serve another one,
 * move it here from NOT_SERVED_OPERATIONS and write its handler: the server's handler table is keyed by
 * the generated operation ids, so `tsc` fails until it has one.
 */
export const SERVED_OPERATIONS: ServedOperations = {
  postOcientHttpQueryApiSsoToken: "POST /v1/sso_token",
  postOcientHttpQueryApiTokenRefresh: "POST /v1/token_refresh",
  getOcientHttpQueryApiInfo: "GET /v1/info",
  postOcientHttpQueryApiSsoDeviceGrant: "POST /v1/sso_device_grant",
  postOcientHttpQueryApiSsoDeviceGrantVerify: "POST /v1/sso_device_grant_verify",
  postOcientHttpQueryApiSsoAuthentication: "POST /v1/sso_authentication",
  getOcientHttpQueryApiCallback: "GET /v1/callback",
  postOcientHttpQueryApiLogout: "POST /v1/logout",
};

const SQL_NODES = "SQL execution and cluster information belong to the SQL nodes";

/** Every other upstream operation, with the reason it is not served (surface.md). */
export const NOT_SERVED_OPERATIONS: NotServedOperations = {
  postOcientHttpQueryApiExecute: { route: "POST /v1/execute/{database}", reason: SQL_NODES },
  getOcientHttpQueryApiExecute: { route: "GET /v1/execute/{database}", reason: SQL_NODES },
  postOcientHttpQueryApiLogin: {
    route: "POST /v1/login",
    reason: "passwords are the SQL node's business; this service holds none",
  },
  getSystemInformationRestEndpointsGetStatistics: { route: "GET /v1/stats", reason: SQL_NODES },
  getSystemInformationRestEndpointsGetVersion: { route: "GET /v1/version", reason: SQL_NODES },
  getSystemInformationRestEndpointsGetStatus: { route: "GET /v1/status", reason: SQL_NODES },
  getSystemInformationRestEndpointsGetConfiguration: { route: "GET /v1/sysconfig", reason: SQL_NODES },
  getSystemInformationRestEndpointsGetConfigurationOfWholeSystem: {
    route: "GET /v1/dbconfig",
    reason: SQL_NODES,
  },
  getSystemInformationRestEndpointsGetConfigurationParameters: { route: "GET /v1/config", reason: SQL_NODES },
};

/** In order: keys are normalized on the whole document, then what is not served goes, then the rest. */
export const PATCHES: readonly Patch[] = [
  normalizePropertyKeys,
  notServedOperations(SERVED_OPERATIONS, NOT_SERVED_OPERATIONS),
  localServers,
  requestBodyRequired,
  exactlyOneToken(),
  responseExtension,
  refreshHeaders,
  refreshResponse,
  deviceGrantResponses,
  browserFlowResponses,
  browserReturn,
  requestFieldRules,
  errorResponses(SERVED_OPERATIONS),
];

/** Applies `patches` to a deep copy of `published`; every finding is returned, none thrown. */
export function applyPatches(
  published: JsonObject,
  patches: readonly Patch[] = PATCHES,
): { document: JsonObject; reports: PatchReport[]; findings: Finding[] } {
  const document = structuredClone(published);
  return { document, ...runPatches(document, patches) };
}
