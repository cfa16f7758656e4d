/** The service's configuration, signing key and request bodies for a run, in a temporary directory. */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { generateStoredKey, type StoredKey, writeKeyFile } from "../../src/keys/key-file.js";
import { freePort } from "./child.js";
import type { BenchIssuer } from "./issuer.js";

export const AUDIENCE = "bench-client";
export const DATABASE = "bench_db";
export const GROUP = "bench-analysts";

export interface ExchangeSetup {
  dir: string;
  configFile: string;
  /** The same service with `server.workers: 2`. */
  twoWorkersConfigFile: string;
  url: string;
  signingKey: StoredKey;
}

export async function prepareExchange(issuer: BenchIssuer): Promise<ExchangeSetup> {
  const dir = await mkdtemp(join(tmpdir(), "ocient-sso-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const signingKey = await generateStoredKey("ES256");
  const keysFile = join(dir, "signing-keys.json");
  await writeKeyFile(keysFile, { keys: [signingKey] });
  const config = {
    server: { host: "127.0.0.1", port, log_level: "info" },
    token: { issuer: url, keys_file: keysFile, algorithm: "ES256", ttl_seconds: 3600 },
    // No jwks_uri: the service discovers the key set from the issuer, over HTTP.
    integrations: [
      {
        name: "bench-idp",
        issuer: issuer.issuer,
        audiences: [AUDIENCE],
        algorithms: ["RS256"],
        user_claim: "sub",
        groups_claim: "groups",
      },
    ],
    databases: { system: { integration: "bench-idp" }, [DATABASE]: { groups: [GROUP] } },
  };
  parseConfig(config, "bench configuration");
  const configFile = join(dir, "config.json");
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const twoWorkersConfigFile = join(dir, "config-2-workers.json");
  await writeFile(
    twoWorkersConfigFile,
    JSON.stringify({ ...config, server: { ...config.server, workers: 2 } }, null, 2),
  );
  return { dir, configFile, twoWorkersConfigFile, url, signingKey };
}

export function subjectOf(i: number): string {
  return `user${String(i).padStart(6, "0")}`;
}

export function exchangeBodies(tokens: string[]): Buffer[] {
  return tokens.map((id_token) => Buffer.from(JSON.stringify({ database: DATABASE, id_token })));
}
