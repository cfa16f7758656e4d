/** DEVELOPMENT ONLY. The integration that trusts the embedded provider, as development mode and the tests use it. */
import type { ConfigInput } from "../config/schema.js";
import type { EmbeddedProvider } from "./embedded-provider.js";

export type IntegrationInput = ConfigInput["integrations"][number];

/**
 * Trusts `provider`'s id_tokens and JWT access tokens, checks its opaque tokens by introspection, and
 * signs users in through its confidential sign-in client (device grant and browser flow).
 */
export function devIntegration(provider: EmbeddedProvider, name = "dev"): IntegrationInput {
  return {
    name,
    issuer: provider.issuer,
    audiences: [
      provider.clientId,
      provider.apiResource,
      provider.signIn.clientId,
      provider.signIn.publicClientId,
    ],
    user_claim: "preferred_username",
    groups_claim: "groups",
    access_tokens: {
      introspection: {
        client_id: provider.introspection.clientId,
        client_secret: provider.introspection.clientSecret,
      },
    },
    sign_in: {
      client_id: provider.signIn.clientId,
      client_secret: provider.signIn.clientSecret,
      scopes: ["openid", "profile", "email", "groups"],
      callback_paths: provider.signIn.redirectPaths,
    },
  };
}
