/** A real service trusting the embedded provider, both on loopback, with a throwaway key file. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { type EmbeddedProvider, startEmbeddedProvider } from "../support/provider.js";

export const TOKEN_ISSUER = "http://127.0.0.1:8080";

export interface Harness {
  provider: EmbeddedProvider;
  server: RunningServer;
  config: Config;
  dir: string;
  close(): Promise<void>;
}

export function devConfig(provider: EmbeddedProvider, keysFile: string): Config {
  return parseConfig({
    server: { host: "127.0.0.1", port: 0, log_level: "silent" },
    token: { issuer: TOKEN_ISSUER, keys_file: keysFile },
    integrations: [
      {
        name: "dev",
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
      },
    ],
    databases: { system: { integration: "dev" }, retail_analytics: { groups: ["analysts"] } },
  });
}

export async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-test-"));
  const provider = await startEmbeddedProvider();
  const config = devConfig(provider, join(dir, "keys.json"));
  const server = await startServer(config);
  return {
    provider,
    server,
    config,
    dir,
    async close() {
      await server.close();
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
