/**
 * The only module that reads configuration files and `process.env`. A configuration is checked
 * fully before use: every problem is reported by its path, and nothing listens with a bad one.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { holdsCel, loadCel } from "./cel-source.js";
import { formatPath, retypePlaceholders, substitutePlaceholders } from "./placeholders.js";
import { referenceProblems } from "./references.js";
import {
  type Config,
  type ConfigInput,
  configSchema,
  type KeySettings,
  keySettingsSchema,
} from "./schema.js";
import { describeYamlError } from "./yaml-error.js";

export class ConfigError extends Error {
  readonly code = "ERR_INVALID_CONFIG";
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Checks `input` against `schema` after replacing its placeholders: every problem in one round, shape
 * and references alike, each by its path.
 */
function validate<T>(
  schema: z.ZodType<T>,
  input: unknown,
  source: string,
  env: NodeJS.ProcessEnv,
  references: (input: unknown) => string[],
): T {
  const problems: string[] = [];
  const substitution = substitutePlaceholders(input, env, problems);
  let result = schema.safeParse(substitution.value);
  // Each round reads more placeholders as numbers or booleans; there are finitely many.
  while (!result.success && retypePlaceholders(substitution, result.error.issues, problems))
    result = schema.safeParse(substitution.value);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = formatPath(issue.path);
      // A record key's own rule says more than zod's "Invalid key in record".
      const message =
        issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      if (!substitution.reported.has(where)) problems.push(`${where}: ${message}`);
    }
  }
  problems.push(...references(substitution.value));
  if (!result.success || problems.length > 0) throw new ConfigError(source, problems);
  return result.data;
}

/** Validates an already-parsed configuration (from a file, or built in code by development mode and tests). */
export function parseConfig(input: unknown, source = "(inline)", env: NodeJS.ProcessEnv = {}): Config {
  return validate(configSchema, input, source, env, referenceProblems);
}

export function defineConfig(input: ConfigInput): Config {
  return parseConfig(input);
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? "error"}`]);
  }
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML or JSON: ${describeYamlError(text, err)}`]);
  }
}

/**
 * `parseConfig`, loading the CEL library first when the configuration holds an expression: it is loaded
 * only for a configuration that uses it (cel-source.ts).
 */
export async function loadConfig(
  input: unknown,
  source = "(inline)",
  env: NodeJS.ProcessEnv = {},
): Promise<Config> {
  if (holdsCel(input)) await loadCel();
  return parseConfig(input, source, env);
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return loadConfig(await readConfigFile(file), file, env);
}

/**
 * The key settings of a configuration file, for the `keys` commands: only those fields of `token` are
 * read (and their placeholders replaced), so secrets of sign-in or Redis need not be set.
 */
export async function loadKeySettings(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KeySettings> {
  const raw = await readConfigFile(file);
  const token = (raw as { token?: unknown } | null)?.token;
  if (!token || typeof token !== "object") throw new ConfigError(file, ["token: required (a section)"]);
  const picked: Record<string, unknown> = {};
  for (const key of keySettingsSchema.shape.token.keyof().options)
    if (key in token) picked[key] = (token as Record<string, unknown>)[key];
  return validate(keySettingsSchema, { token: picked }, file, env, () => []).token;
}

/** `--config FILE`, else OCIENT_SSO_CONFIG. */
export function configPathFrom(
  argvPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return argvPath ?? env.OCIENT_SSO_CONFIG;
}
