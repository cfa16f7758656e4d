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
import {
  type PublishedSpellings,
  publishedSpellings,
  type RequestProperties,
  requestProperties,
} from "./patches/request-properties.js";
import { refreshHeaders, refreshResponse } from "./patches/session.js";
import { browserFlowResponses, deviceGrantResponses } from "./patches/sign-in.js";
import {
  EXCHANGE_READS,
  exactlyOneToken,
  requestBodyRequired,
  responseExtension,
} from "./patches/sso-token.js";

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

/**
 * The request body properties each served operation's handler is written against (src/server/handlers/).
 * A property upstream adds, drops or renames is a finding until its handler reads it and it is listed here.
 */
export const REQUEST_PROPERTIES: RequestProperties = {
  postOcientHttpQueryApiSsoToken: EXCHANGE_READS,
  postOcientHttpQueryApiTokenRefresh: ["database"],
  postOcientHttpQueryApiSsoDeviceGrant: ["database"],
  postOcientHttpQueryApiSsoDeviceGrantVerify: ["user_code", "database", "timeout"],
  postOcientHttpQueryApiSsoAuthentication: ["database", "sso_callback_path", "do_redirect"],
  // The service keeps no session to end: logout answers success whatever the database.
  postOcientHttpQueryApiLogout: ["database"],
};

/**
 * The request keys with surrounding whitespace that the server reads as the trimmed property
 * (generated/request-keys.ts), by operationId: what clients generated from a published document send.
 * `"published"`: upstream spells the key so today. `{ kept: "why" }`: upstream fixed it, and the server
 * keeps accepting the old spelling. A spelling upstream adds or fixes is a finding until decided here.
 */
export const PUBLISHED_SPELLINGS: PublishedSpellings = {
  postOcientHttpQueryApiSsoToken: { "access_token\t": "published" },
  postOcientHttpQueryApiSsoAuthentication: { "sso_callback_path\t": "published" },
};

/** The decisions the patches check upstream against; tests and the scenario suite vary them. */
export interface Decisions {
  readonly served: ServedOperations;
  readonly notServed: NotServedOperations;
  readonly requestProperties: RequestProperties;
  readonly spellings: PublishedSpellings;
}

export const DECISIONS: Decisions = {
  served: SERVED_OPERATIONS,
  notServed: NOT_SERVED_OPERATIONS,
  requestProperties: REQUEST_PROPERTIES,
  spellings: PUBLISHED_SPELLINGS,
};

/**
 * In order: the published spellings are checked on upstream's keys, then keys are normalized on the whole
 * document, then what is not served goes, then the rest.
 */
export function patchesFor({
  served,
  notServed,
  requestProperties: properties,
  spellings,
}: Decisions): Patch[] {
  return [
    publishedSpellings(served, spellings),
    normalizePropertyKeys,
    requestProperties(served, properties),
    notServedOperations(served, notServed),
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
    errorResponses(served),
  ];
}

export const PATCHES: readonly Patch[] = patchesFor(DECISIONS);

/** Applies `patches` to a deep copy of `published`; every finding is returned, none thrown. */
export function applyPatches(
  published: JsonObject,
  patches: readonly Patch[] = PATCHES,
): { document: JsonObject; reports: PatchReport[]; findings: Finding[] } {
  const document = structuredClone(published);
  return { document, ...runPatches(document, patches) };
}
