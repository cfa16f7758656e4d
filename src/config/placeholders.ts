/**
 * Placeholders: any scalar of a configuration may come from outside the file. `${NAME}` is the environment
 * variable NAME; `${file:PATH}` is the contents of a file (a mounted Kubernetes Secret, a file a Vault
 * agent renders), and `${credential:NAME}` the file NAME in systemd's `$CREDENTIALS_DIRECTORY`
 * (`LoadCredential=`), so a secret need not sit in the process's environment. A file's one final line
 * break is dropped (`echo` writes one); it is read when the configuration is, at start and at each reload.
 * A value read from outside is a string; where its field wants a number or a boolean, it is read as one,
 * so `port: ${SSO_PORT}` works and a secret made of digits stays a string. Problems name the path and the
 * variable or file, never the value (it may be a secret).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { join, resolve } from "node:path";

type Path = ReadonlyArray<PropertyKey>;

export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

const PLACEHOLDER = /\$\{(?:(file|credential):([^}]+)|([A-Za-z_][A-Za-z0-9_]*))\}/g;
/** A credential is a file of its own directory: no separator, no `..`. */
const CREDENTIAL_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;
/** The most a secret file may hold: a certificate chain or a key set fits, a log file does not. */
export const MAX_SECRET_FILE_BYTES = 65_536;

/** A file's text without its one final line break, or why it cannot be read (never its contents). */
function readSecretFile(file: string): { text: string } | { problem: string } {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    // One byte past the cap is enough to refuse a larger file, or a device that never ends.
    const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_SECRET_FILE_BYTES) return { problem: `is larger than ${MAX_SECRET_FILE_BYTES} bytes` };
    return { text: buffer.toString("utf8", 0, length).replace(/\r?\n$/, "") };
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
/** Decimal only: `0x10`, `1_000` or an empty string are not numbers a reader would expect. */
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export interface Substitution {
  /** The input with every placeholder replaced (a fresh tree: retyping edits it in place). */
  value: unknown;
  /**
   * Paths (formatted) of the strings that held a placeholder, with what each named, as problems name it
   * ("environment variable NAME", "file PATH", "credential NAME").
   */
  placeholders: Map<string, { path: PropertyKey[]; names: string[] }>;
  /** Paths already reported (an unset variable): the schema's complaint about them would be noise. */
  reported: Set<string>;
}

/**
 * Replaces the placeholders of every string value: `${NAME}` with the environment variable,
 * `${file:PATH}` and `${credential:NAME}` with the file's text. An unset name or an unreadable file is a
 * problem.
 */
export function substitutePlaceholders(
  input: unknown,
  env: NodeJS.ProcessEnv,
  problems: string[],
): Substitution {
  const placeholders: Substitution["placeholders"] = new Map();
  const reported = new Set<string>();
  const visit = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === "string") {
      const names: string[] = [];
      const fail = (problem: string) => {
        problems.push(`${formatPath(path)}: ${problem}`);
        reported.add(formatPath(path));
        return "";
      };
      const fromFile = (source: string, file: string) => {
        const read = readSecretFile(file);
        return "text" in read ? read.text : fail(`${source} ${read.problem}`);
      };
      const out = value.replace(PLACEHOLDER, (_, kind: string | undefined, arg: string, name: string) => {
        if (kind === "file") {
          names.push(`file ${arg}`);
          return fromFile(`file ${arg}`, resolve(arg));
        }
        if (kind === "credential") {
          names.push(`credential ${arg}`);
          if (!CREDENTIAL_NAME.test(arg))
            return fail(
              `credential ${arg}: a credential's name is a file name (letters, digits, '.', '_', '-')`,
            );
          const directory = env.CREDENTIALS_DIRECTORY;
          if (!directory)
            return fail(
              `credential ${arg}: CREDENTIALS_DIRECTORY is not set (systemd's LoadCredential= sets it)`,
            );
          return fromFile(`credential ${arg}`, join(directory, arg));
        }
        names.push(`environment variable ${name}`);
        const v = env[name];
        if (v !== undefined) return v;
        return fail(`environment variable ${name} is not set`);
      });
      if (names.length > 0) placeholders.set(formatPath(path), { path, names });
      return out;
    }
    if (Array.isArray(value)) return value.map((v, i) => visit(v, [...path, i]));
    if (value && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, [...path, k]);
      return out;
    }
    return value;
  };
  return { value: visit(input, []), placeholders, reported };
}

interface TypeIssue {
  code: string;
  path: PropertyKey[];
  expected?: unknown;
}

function setAt(root: unknown, path: readonly PropertyKey[], value: unknown): void {
  let parent = root as Record<PropertyKey, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<PropertyKey, unknown>;
  parent[path[path.length - 1] as PropertyKey] = value;
}

/**
 * Reads the placeholder strings the schema refused for want of a number or boolean as that type, in
 * `substitution.value`; a string that is not one is a problem. True when a value changed (parse again).
 */
export function retypePlaceholders(
  substitution: Substitution,
  issues: readonly TypeIssue[],
  problems: string[],
): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== "invalid_type" || (issue.expected !== "number" && issue.expected !== "boolean"))
      continue;
    const where = formatPath(issue.path);
    const placeholder = substitution.placeholders.get(where);
    if (!placeholder || substitution.reported.has(where)) continue;
    let text: unknown = substitution.value;
    for (const key of placeholder.path) text = (text as Record<PropertyKey, unknown>)[key];
    if (typeof text !== "string") continue;
    const sources = placeholder.names.join(", ");
    if (issue.expected === "number" && DECIMAL.test(text))
      setAt(substitution.value, placeholder.path, Number(text));
    else if (issue.expected === "boolean" && (text === "true" || text === "false"))
      setAt(substitution.value, placeholder.path, text === "true");
    else {
      const want = issue.expected === "number" ? "a decimal number" : "true or false";
      problems.push(`${where}: ${sources} must give ${want}`);
      substitution.reported.add(where);
      continue;
    }
    changed = true;
  }
  return changed;
}
