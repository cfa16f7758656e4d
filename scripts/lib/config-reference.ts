/**
 * docs/configuration.md, generated from the config module's schema (src/config/schema.ts): every field with
 * its type, its default and its unit, so each default is written once, in the schema's `.default(…)`. The
 * unit comes from the field's name (`_seconds`, `_ms`, `_bytes`), the meaning from its description.
 */
import { z } from "zod";
import { configSchema } from "../../src/config/schema.js";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
}

const UNITS: readonly (readonly [suffix: string, unit: string])[] = [
  ["_seconds", "seconds"],
  ["_ms", "ms"],
  ["_bytes", "bytes"],
  ["_per_second", "per second"],
];

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" \\| ");
  if (s.type === "array" && s.items) return `list of ${typeOf(s.items)}`;
  if (s.type === "object" && !s.properties && typeof s.additionalProperties === "object") {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  return Array.isArray(s.type) ? s.type.join(" \\| ") : (s.type ?? "any");
}

function formatDefault(value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return `\`[${value.map(String).join(", ")}]\``;
  return `\`${String(value)}\``;
}

function unitOf(path: string): string {
  return UNITS.find(([suffix]) => path.endsWith(suffix))?.[1] ?? "";
}

function rows(s: JsonSchema, path: string, required: boolean, out: string[]): void {
  const mapOfSections =
    typeof s.additionalProperties === "object" && s.additionalProperties.properties !== undefined;
  const leaf = !s.properties && !(s.type === "array" && s.items?.properties) && !mapOfSections;
  if (path && (leaf || s.description)) {
    const flags = required && s.default === undefined ? " (required)" : "";
    const description = (s.description ?? "").replaceAll("|", "\\|");
    const fallback = leaf ? formatDefault(s.default) : "";
    out.push(
      `| \`${path}\` | ${leaf ? typeOf(s) : "section"}${flags} | ${fallback} | ${leaf ? unitOf(path) : ""} | ${description} |`,
    );
  }
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    rows(child, path ? `${path}.${key}` : key, s.required?.includes(key) ?? false, out);
  }
  if (s.type === "array" && s.items?.properties)
    rows({ ...s.items, description: undefined }, `${path}[]`, true, out);
  if (s.type === "object" && !s.properties && typeof s.additionalProperties === "object") {
    const child = s.additionalProperties;
    if (child.properties) rows({ ...child, description: undefined }, `${path}.<name>`, true, out);
  }
}

/** The reference table: one row per field and section. */
export function configTable(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out = ["| key | type | default | unit | meaning |", "|---|---|---|---|---|"];
  rows(schema, "", true, out);
  return out.join("\n");
}

/** The whole of docs/configuration.md. */
export function renderConfigReference(header: string): string {
  return `<!-- ${header} -->
# Configuration reference

The configuration file is YAML or JSON, given to \`serve\` with \`--config FILE\` (or \`OCIENT_SSO_CONFIG\`);
[operations.md](operations.md) shows a whole one. Placeholders in any value are how secrets should arrive:
\`\${NAME}\` is the environment variable NAME, \`\${file:PATH}\` the text of a file (PATH absolute, or from the working directory: a mounted Kubernetes Secret, a
file a Vault agent renders), and \`\${credential:NAME}\` the file NAME of systemd's credentials directory
(\`LoadCredential=\`, which keeps the secret out of the process's environment). A file's one final line break is
dropped; files are read again at each reload. A value from a placeholder takes its field's type (a port read as a
number). Problems name the variable or file, never the value. The whole file is checked at start: an invalid file stops the process, and every
problem is listed by its path. A field without a default is optional unless marked required; a default that
depends on another field is named in the field's meaning.

${configTable()}
`;
}
