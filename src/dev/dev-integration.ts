/** DEVELOPMENT ONLY. The integration that trusts the embedded provider, as development mode and the tests use it. */
import type { ConfigInput } from "../config/schema.js";
import type { EmbeddedProvider } from "./embedded-provider.js";

export type IntegrationInput = ConfigInput["integrations"][number];

/** Trusts `provider`'s id_tokens and JWT access tokens, and checks its opaque tokens by introspection. */
export function devIntegration(provider: EmbeddedProvider, name = "dev"): IntegrationInput {
  return {
    name,
    issuer: provider.issuer,
    audiences: [provider.clientId, provider.apiResource],
    user_claim: "preferred_username",
    groups_claim: "groups",
    access_tokens: {
      introspection: {
        client_id: provider.introspection.clientId,
        client_secret: provider.introspection.clientSecret,
      },
    },
  };
}
