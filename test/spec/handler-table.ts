/**
 * Compile-only (checked by `tsc --noEmit`): a table keyed like the server's handler table
 * (`Record<keyof operations, …>` in src/server/app.ts) must name every served operation and nothing else.
 */
import type { operations } from "../../generated/types.js";

type Table = Record<keyof operations, true>;

const serviceRoutes = {
  getJwks: true,
  getOpenidConfiguration: true,
  getOpenapiJson: true,
  getOpenapiYaml: true,
  getHealthz: true,
  getReadyz: true,
  getMetrics: true,
} as const;

export const complete: Table = { postOcientHttpQueryApiSsoToken: true, ...serviceRoutes };

// @ts-expect-error a served operation without a handler
export const missing: Table = { ...serviceRoutes };

export const extra: Table = {
  postOcientHttpQueryApiSsoToken: true,
  ...serviceRoutes,
  // @ts-expect-error a handler for an upstream operation that is not served (yet)
  postOcientHttpQueryApiTokenRefresh: true,
};
