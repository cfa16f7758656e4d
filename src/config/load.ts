/**
 * The only module that reads configuration files and `process.env`. A configuration is checked
 * fully before use: every problem is reported by its path, and nothing listens with a bad one.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { unpinned } from "./bindings-schema.js";
import { type Config, type ConfigInput, configSchema, integrationOfDatabase } from "./schema.js";

export class ConfigError extends Error {
  readonly code = "ERR_INVALID_CONFIG";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

type Path = ReadonlyArray<PropertyKey>;

function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

/** Replaces `${NAME}` in every string value with the environment variable; unset names are problems. */
function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[],
  problems: string[],
): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return "";
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i], problems));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, [...path, k], problems);
    return out;
  }
  return value;
}

/** Rules that span fields: references between sections and uniqueness. */
function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const issuers = new Set<string>();
  config.integrations.forEach((integration, i) => {
    if (names.has(integration.name))
      problems.push(`integrations[${i}].name: duplicate name "${integration.name}"`);
    if (issuers.has(integration.issuer))
      problems.push(`integrations[${i}].issuer: another integration already trusts this issuer`);
    names.add(integration.name);
    issuers.add(integration.issuer);
    const opaque = integration.access_tokens;
    const keySource = integration.jwks_uri
      ? "jwks_uri"
      : integration.jwks
        ? "jwks"
        : integration.jwks_file
          ? "jwks_file"
          : undefined;
    if (opaque?.introspection?.endpoint === undefined && opaque?.introspection && keySource) {
      problems.push(
        `integrations[${i}].access_tokens.introspection.endpoint: required when ${keySource} is set (discovery is not used)`,
      );
    }
    if (opaque?.userinfo && keySource) {
      problems.push(
        `integrations[${i}].access_tokens.userinfo: needs discovery, so ${keySource} must not be set`,
      );
    }
    problems.push(...checkBindings(config, i));
  });
  for (const [name, db] of Object.entries(config.databases)) {
    if (integrationOfDatabase(config.databases, name).name === undefined) {
      problems.push(`databases.${name}.integration: required (no integration is set for system to inherit)`);
    } else if (db.integration !== undefined && !names.has(db.integration)) {
      problems.push(`databases.${name}.integration: no integration is named "${db.integration}"`);
    }
  }
  return problems;
}

/** A shared issuer's bindings must each pin an owner; a binding's databases must be served by its integration. */
function checkBindings(config: Config, i: number): string[] {
  const integration = config.integrations[i];
  if (!integration) return [];
  const problems: string[] = [];
  const { bindings, conditions, issuer } = integration;
  if (bindings === undefined) {
    const reason = unpinned(issuer, conditions, {});
    if (reason) problems.push(`integrations[${i}].bindings: required: ${reason}`);
    return problems;
  }
  const names = new Set<string>();
  bindings.forEach((binding, b) => {
    const at = `integrations[${i}].bindings[${b}]`;
    if (names.has(binding.name)) problems.push(`${at}.name: duplicate name "${binding.name}"`);
    names.add(binding.name);
    const reason = unpinned(issuer, conditions, binding.when);
    if (reason) problems.push(`${at}.when: ${reason}`);
    binding.databases?.forEach((database, d) => {
      if (
        !Object.hasOwn(config.databases, database) ||
        integrationOfDatabase(config.databases, database).name !== integration.name
      )
        problems.push(
          `${at}.databases[${d}]: no database "${database}" is served by integration "${integration.name}"`,
        );
    });
  });
  return problems;
}

/** Validates an already-parsed configuration (from a file, or built in code by development mode and tests). */
export function parseConfig(input: unknown, source = "(inline)", env: NodeJS.ProcessEnv = {}): Config {
  const problems: string[] = [];
  const substituted = substituteEnv(input, env, [], problems);
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // A record key's own rule says more than zod's "Invalid key in record".
      const message =
        issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      problems.push(`${formatPath(issue.path)}: ${message}`);
    }
    throw new ConfigError(source, problems);
  }
  problems.push(...crossCheck(result.data));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return result.data;
}

export function defineConfig(input: ConfigInput): Config {
  return parseConfig(input);
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? "error"}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML or JSON: ${(err as Error).message.split("\n")[0]}`]);
  }
  return parseConfig(raw, file, env);
}

/** `--config FILE`, else OCIENT_SSO_CONFIG. */
export function configPathFrom(
  argvPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return argvPath ?? env.OCIENT_SSO_CONFIG;
}
