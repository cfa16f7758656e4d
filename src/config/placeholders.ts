/**
 * `${NAME}` placeholders: any scalar of a configuration may come from the environment. A value read
 * from the environment is a string; where its field wants a number or a boolean, it is read as one, so
 * `port: ${SSO_PORT}` works and a secret made of digits stays a string. Problems name the path and the
 * variable, never the value (it may be a secret).
 */

type Path = ReadonlyArray<PropertyKey>;

export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Decimal only: `0x10`, `1_000` or an empty string are not numbers a reader would expect. */
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export interface Substitution {
  /** The input with every placeholder replaced (a fresh tree: retyping edits it in place). */
  value: unknown;
  /** Paths (formatted) of the strings that held a placeholder, with the variables they named. */
  placeholders: Map<string, { path: PropertyKey[]; names: string[] }>;
  /** Paths already reported (an unset variable): the schema's complaint about them would be noise. */
  reported: Set<string>;
}

/** Replaces `${NAME}` in every string value with the environment variable; unset names are problems. */
export function substituteEnv(input: unknown, env: NodeJS.ProcessEnv, problems: string[]): Substitution {
  const placeholders: Substitution["placeholders"] = new Map();
  const reported = new Set<string>();
  const visit = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === "string") {
      const names: string[] = [];
      const out = value.replace(PLACEHOLDER, (_, name: string) => {
        names.push(name);
        const v = env[name];
        if (v !== undefined) return v;
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        reported.add(formatPath(path));
        return "";
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
    const variables = placeholder.names.join(", ");
    if (issue.expected === "number" && DECIMAL.test(text))
      setAt(substitution.value, placeholder.path, Number(text));
    else if (issue.expected === "boolean" && (text === "true" || text === "false"))
      setAt(substitution.value, placeholder.path, text === "true");
    else {
      const want = issue.expected === "number" ? "a decimal number" : "true or false";
      problems.push(`${where}: environment variable ${variables} must give ${want}`);
      substitution.reported.add(where);
      continue;
    }
    changed = true;
  }
  return changed;
}
