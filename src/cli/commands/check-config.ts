/**
 * `ocient-sso check-config`: validates a configuration file, resolves each provider's discovery, and
 * prints the effective configuration (defaults filled in, secrets redacted) and who serves which
 * database. An unreachable provider is reported but does not fail the check: the service starts
 * without it too.
 */
import { stringify } from "yaml";
import { configPathFrom, loadConfigFile } from "../../config/load.js";
import type { Config, IntegrationConfig } from "../../config/schema.js";
import { type Command, helpOption, parse, UsageError } from "../command.js";
import type { Io } from "../io.js";
import { redactSecrets } from "../redact.js";
import { formatTable } from "../table.js";

const DISCOVERY_TIMEOUT_MS = 3000;

const usage = `Usage: ocient-sso check-config FILE

Validates FILE, fetches each integration's OpenID discovery document (3 s timeout), and prints the
effective configuration (secrets redacted) and which integration serves which database.
Exit 1 when the configuration is invalid; an unreachable provider is reported, not fatal.

Options:
  -c, --config FILE   same as the FILE argument (default: $OCIENT_SSO_CONFIG)
  -h, --help          show this help
`;

/** One line per integration: "ok", or why its provider could not be used. */
async function checkProvider(integration: IntegrationConfig): Promise<string> {
  const url =
    integration.jwks_uri ?? `${integration.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      headers: { accept: "application/json" },
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why =
      e.name === "TimeoutError" ? `timed out after ${DISCOVERY_TIMEOUT_MS} ms` : (e.cause?.code ?? e.message);
    return `unreachable: ${url} (${why})`;
  }
  if (!response.ok) return `error: ${url} answered HTTP ${response.status}`;
  let doc: Record<string, unknown>;
  try {
    doc = (await response.json()) as Record<string, unknown>;
  } catch {
    return `error: ${url} did not answer JSON`;
  }
  if (integration.jwks_uri) {
    const keys = Array.isArray(doc.keys) ? doc.keys.length : undefined;
    return keys === undefined ? `error: ${url} is not a JWK Set` : `ok (jwks_uri, ${keys} keys)`;
  }
  if (doc.issuer !== integration.issuer) {
    return `error: discovery issuer ${JSON.stringify(doc.issuer)} differs from the configured issuer`;
  }
  if (typeof doc.jwks_uri !== "string") return "error: discovery has no jwks_uri";
  const extras: string[] = [];
  if (integration.access_tokens?.introspection && !integration.access_tokens.introspection.endpoint) {
    if (typeof doc.introspection_endpoint !== "string")
      return "error: discovery has no introspection_endpoint";
    extras.push("introspection");
  }
  if (integration.access_tokens?.userinfo) {
    if (typeof doc.userinfo_endpoint !== "string") return "error: discovery has no userinfo_endpoint";
    extras.push("userinfo");
  }
  return `ok (discovery${extras.map((e) => `, ${e}`).join("")})`;
}

/** Database → integration; databases without one inherit the integration of `system`, as in Ocient. */
function databaseRows(config: Config): string[][] {
  const system = config.databases.system?.integration;
  return Object.entries(config.databases).map(([name, db]) => {
    const integration = db.integration ?? system ?? "";
    const source = db.integration ? integration : `${integration} (inherited from system)`;
    const issuer = config.integrations.find((i) => i.name === integration)?.issuer ?? "";
    const grants = [...db.users.map((u) => `user:${u}`), ...db.groups.map((g) => `group:${g}`)];
    return [name, source, issuer, grants.join(", ") || "(nobody)"];
  });
}

async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse({
    args,
    options: { config: { type: "string", short: "c" }, ...helpOption },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError("expected one FILE");
  const file = positionals[0] ?? configPathFrom(values.config, io.env);
  if (!file) throw new UsageError("FILE is required");
  const config = await loadConfigFile(file, io.env);
  io.stdout(`${file}: configuration is valid\n\n`);

  const results = await Promise.all(config.integrations.map(checkProvider));
  io.stdout("Providers:\n");
  io.stdout(
    formatTable(
      ["integration", "issuer", "provider"],
      config.integrations.map((integration, i) => [integration.name, integration.issuer, results[i] ?? ""]),
    ),
  );
  io.stdout("\nDatabases:\n");
  io.stdout(formatTable(["database", "integration", "issuer", "granted to"], databaseRows(config)));
  io.stdout("\nEffective configuration:\n");
  io.stdout(stringify(redactSecrets(config)));
  return 0;
}

export const checkConfig: Command = {
  name: "check-config",
  usage,
  run,
};
