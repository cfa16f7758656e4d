/**
 * `ocient-sso check-config`: validates a configuration file, checks what serve needs at start (key
 * file, TLS files, Redis: start-checks.ts), resolves each provider's discovery, and prints the effective
 * configuration (defaults filled in, secrets redacted) and who serves which database. An unreachable
 * provider or Redis is reported but does not fail the check: the service starts without them too.
 */
import { stringify } from "yaml";
import { configPathFrom, loadConfigFile } from "../../config/load.js";
import { redactUrl } from "../../config/redact-url.js";
import { type Config, type IntegrationConfig, integrationOfDatabase } from "../../config/schema.js";
import { ProviderUnavailable, SsoError } from "../../errors.js";
import { Integration } from "../../provider/integration.js";
import { CliError, type Command, helpOption, parse, UsageError } from "../command.js";
import type { Io } from "../io.js";
import { redactSecrets } from "../redact.js";
import { startChecks } from "../start-checks.js";
import { formatTable } from "../table.js";

const DISCOVERY_TIMEOUT_MS = 3000;

const usage = `Usage: ocient-sso check-config FILE

Validates FILE (every problem at once, by its path), checks what serve needs at start, fetches each
integration's OpenID discovery document (3 s timeout), and prints the effective configuration
(secrets redacted), what sign-in can use at each provider (device and token endpoints, PKCE methods)
and which integration serves which database.

Start-up checks, as serve makes them:
  token.keys_file  the file loads and has a signing key; or it is missing and serve would create it
                   (a warning), or would refuse: its directory is missing, or state.redis is set
  server.tls       the certificate and key files are readable and load together
  state.redis      connects and sends PING, waiting state.redis.timeout_ms twice (at least 1 s)

Exit 1 when the configuration is invalid or serve would not start with it (a missing key directory,
unreadable TLS files, Redis refusing the password); an unreachable provider or Redis is reported,
not fatal: serve starts without them.

Options:
  -c, --config FILE   same as the FILE argument (default: $OCIENT_SSO_CONFIG)
  -h, --help          show this help
`;

/** Why a provider could not be reached: the network error's code, or a timeout. */
function unreachable(err: ProviderUnavailable): string {
  const cause = err.cause as (Error & { cause?: { code?: string } }) | undefined;
  return cause?.name === "TimeoutError" ? "timed out" : (cause?.cause?.code ?? cause?.message ?? err.message);
}

/**
 * One line per integration: "ok", or why its provider could not be used. It goes through the service's
 * own discovery and key-set code, with the same rules (no redirects, exact issuer, usable keys).
 */
async function checkProvider(cfg: IntegrationConfig): Promise<string> {
  const integration = new Integration(
    { ...cfg, http_timeout_ms: Math.min(cfg.http_timeout_ms, DISCOVERY_TIMEOUT_MS) },
    { now: Date.now },
  );
  const access = cfg.access_tokens;
  const introspectionByDiscovery =
    access?.introspection !== undefined && access.introspection.endpoint === undefined;
  const parts: string[] = [];
  try {
    const keysConfigured = cfg.jwks_uri ?? cfg.jwks ?? cfg.jwks_file;
    if (keysConfigured === undefined || introspectionByDiscovery || access?.userinfo) {
      const metadata = await integration.metadata.get();
      parts.push("discovery");
      if (introspectionByDiscovery) {
        if (!metadata.introspection_endpoint) return "error: discovery has no introspection_endpoint";
        parts.push("introspection");
      }
      if (access?.userinfo) {
        if (!metadata.userinfo_endpoint) return "error: discovery has no userinfo_endpoint";
        parts.push("userinfo");
      }
    }
    const keys = await integration.keys.load();
    return `ok (${[...parts, `${keys} signing key${keys === 1 ? "" : "s"}`].join(", ")})`;
  } catch (err) {
    if (err instanceof ProviderUnavailable)
      return `unreachable: ${cfg.jwks_file ?? redactUrl(cfg.jwks_uri ?? cfg.issuer)} (${unreachable(err)})`;
    if (err instanceof SsoError) return `error: ${err.message}`;
    throw err;
  }
}

/**
 * What sign-in can use at each provider: its discovery's device and token endpoints and PKCE methods,
 * beside the integration's sign_in client (if any).
 */
async function signInRow(cfg: IntegrationConfig): Promise<string[]> {
  const client = cfg.sign_in
    ? `${cfg.sign_in.client_id} (${cfg.sign_in.client_secret ? "secret" : "public, PKCE"})`
    : "(none)";
  const integration = new Integration(
    { ...cfg, http_timeout_ms: Math.min(cfg.http_timeout_ms, DISCOVERY_TIMEOUT_MS) },
    { now: Date.now },
  );
  try {
    const m = await integration.metadata.get();
    const yes = (v: string | undefined) => (v ? "yes" : "no");
    return [
      cfg.name,
      client,
      yes(m.device_authorization_endpoint),
      yes(m.token_endpoint),
      yes(m.authorization_endpoint),
      m.code_challenge_methods_supported?.join(", ") || "(not listed)",
    ];
  } catch (err) {
    if (!(err instanceof SsoError)) throw err;
    return [cfg.name, client, "?", "?", "?", "(discovery failed)"];
  }
}

/** Database → integration; databases without one inherit the integration of `system`, as in Ocient. */
function databaseRows(config: Config): string[][] {
  return Object.entries(config.databases).map(([name, db]) => {
    const { name: served, inherited } = integrationOfDatabase(config.databases, name);
    const integration = served ?? "";
    const source = inherited ? `${integration} (inherited from system)` : integration;
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

  const [checks, results] = await Promise.all([
    startChecks(config),
    Promise.all(config.integrations.map(checkProvider)),
  ]);
  io.stdout("Start-up checks:\n");
  io.stdout(formatTable(["setting", "result"], checks.rows));
  io.stdout("\n");
  io.stdout("Providers:\n");
  io.stdout(
    formatTable(
      ["integration", "issuer", "provider"],
      config.integrations.map((integration, i) => [integration.name, integration.issuer, results[i] ?? ""]),
    ),
  );
  io.stdout("\nSign-in:\n");
  io.stdout(
    formatTable(
      [
        "integration",
        "sign_in client",
        "device endpoint",
        "token endpoint",
        "authorization endpoint",
        "PKCE methods",
      ],
      await Promise.all(config.integrations.map(signInRow)),
    ),
  );
  io.stdout("\nDatabases:\n");
  io.stdout(formatTable(["database", "integration", "issuer", "granted to"], databaseRows(config)));
  io.stdout("\nEffective configuration:\n");
  io.stdout(stringify(redactSecrets(config)));
  if (checks.errors.length > 0) {
    throw new CliError(`${file}: serve would not start:\n${checks.errors.map((e) => `  - ${e}`).join("\n")}`);
  }
  return 0;
}

export const checkConfig: Command = {
  name: "check-config",
  usage,
  run,
};
