/** What the configuration tests share: a minimal valid configuration and the problems of a refused one. */
import { expect } from "vitest";
import { ConfigError, parseConfig } from "../../src/config/load.js";

/** The least `parseConfig` accepts: the service's issuer, one provider (corp) and the system database. */
export const minimalConfig = {
  token: { issuer: "https://sso.example.com" },
  integrations: [{ name: "corp", issuer: "https://idp.example.com", audiences: ["ocient-client"] }],
  databases: { system: { integration: "corp" } },
};

/** The problems `parseConfig` reports for `input` (placeholders read from `env`); fails if it is accepted. */
export function problemsOf(input: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(input, "test.yaml", env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the configuration to be refused");
}
