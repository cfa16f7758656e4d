/**
 * Bench target: the embedded development provider (src/dev/embedded-provider.ts, oidc-provider with its
 * device flow) on loopback, in a process of its own, so the provider's work during the device verify is
 * not charged to the load generator or to the service. Announces what the service's `sign_in` needs.
 */
import { startEmbeddedProvider } from "../../src/dev/embedded-provider.js";
import { announce, exitOnStop } from "./lifecycle.js";

const provider = await startEmbeddedProvider({ deviceIntervalSeconds: 1 });
exitOnStop(() => provider.close());
announce({
  ready: provider.issuer,
  issuer: provider.issuer,
  client_id: provider.clientId,
  api_resource: provider.apiResource,
  sign_in: provider.signIn,
  introspection: provider.introspection,
});
