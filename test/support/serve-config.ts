/**
 * A production-shaped configuration for `ocient-sso serve` that trusts the embedded provider: what the
 * package, image and dashboard tests start the real command with. The group `analysts` may open
 * `retail_analytics`; the signing key file is created on first start in `keysDir`.
 */
import { join } from "node:path";
import type { EmbeddedProvider } from "./provider.js";

export interface ServeConfigOptions {
  provider: EmbeddedProvider;
  /** An existing directory for the signing key file. */
  keysDir: string;
  host?: string;
  port?: number;
}

export function serveConfigYaml({
  provider,
  keysDir,
  host = "127.0.0.1",
  port = 0,
}: ServeConfigOptions): string {
  return `server: { host: ${JSON.stringify(host)}, port: ${port}, log_level: info }
token: { issuer: "http://127.0.0.1:8080", keys_file: ${JSON.stringify(join(keysDir, "signing-keys.json"))} }
integrations:
  - name: dev
    issuer: ${provider.issuer}
    audiences: [${provider.clientId}]
    user_claim: preferred_username
    groups_claim: groups
databases:
  system: { integration: dev }
  retail_analytics: { groups: [analysts] }
`;
}

/** POSTs an exchange of a fresh id_token of `account`; resolves with the status and the answer. */
export async function exchangeThrough(
  url: string,
  provider: EmbeddedProvider,
  account = "alice",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { id_token } = await provider.issueTokens(account);
  const response = await fetch(`${url}/v1/sso_token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id_token, database: "retail_analytics" }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
