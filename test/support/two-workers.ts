/** `ocient-sso serve` with `server.workers: 2`, trusting `provider`, as a spawned process: its config in `dir`. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EmbeddedProvider } from "./provider.js";
import { type RunningCli, startCli } from "./spawn-cli.js";

/** Resolves once both workers listen. */
export async function serveTwoWorkers(dir: string, provider: EmbeddedProvider): Promise<RunningCli> {
  const config = join(dir, "config.yaml");
  await writeFile(
    config,
    `server: { host: 127.0.0.1, port: 0, workers: 2, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(dir, "keys.json"))} }
integrations:
  - { name: dev, issuer: "${provider.issuer}", audiences: [${provider.clientId}], user_claim: preferred_username, groups_claim: groups }
databases:
  system: { integration: dev }
  retail_analytics: { groups: [analysts] }
`,
  );
  const cli = startCli(["serve", "--config", config]);
  await cli.waitFor(
    /listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*listening on http:\/\/127\.0\.0\.1:\d+/,
    30_000,
  );
  return cli;
}
