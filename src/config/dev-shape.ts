/**
 * DEVELOPMENT ONLY: the users, groups and databases `ocient-sso dev` runs with, from a small YAML file
 * (`--file`) and flags (`--user NAME[:GROUP,…]`, `--database NAME[:GROUP,…]`), checked like the service's
 * configuration and reported by path. Anything given replaces the demo set of that kind.
 *
 *   users:                      # name: groups
 *     bob: [engineers]
 *   databases:
 *     sales: { groups: [engineers] }
 *     hr: { users: [alice] }
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "./load.js";

const name = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, "must be 1-64 letters, digits, '_', '.', '@', '-'");
const database = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "must be 1-128 letters, digits, '_', '.', '-'");

const devShapeSchema = z
  .object({
    users: z.record(name, z.array(name).default([])).optional().describe("accounts and their groups"),
    databases: z
      .record(
        database,
        z
          .object({ users: z.array(name).default([]), groups: z.array(name).default([]) })
          .strict()
          .default({ users: [], groups: [] }),
      )
      .optional()
      .describe("databases and who is granted them"),
  })
  .strict();

export type DevShape = z.output<typeof devShapeSchema>;

/** `NAME` or `NAME:A,B`: a name and a list. */
function pair(value: string): [string, string[]] {
  const [head = "", tail] = value.split(":", 2);
  return [head, tail === undefined || tail === "" ? [] : tail.split(",")];
}

/** The file's shape (when given) with the flags over it; problems thrown as a ConfigError by path. */
export async function loadDevShape(
  file: string | undefined,
  flags: { users: string[]; databases: string[] },
): Promise<DevShape> {
  let raw: Record<string, unknown> = {};
  const source = file ?? "(flags)";
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new ConfigError(file, [
        `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      ]);
    }
    try {
      raw = (parseYaml(text, { uniqueKeys: true }) as Record<string, unknown>) ?? {};
    } catch (err) {
      throw new ConfigError(file, [`not valid YAML: ${(err as Error).message.split("\n")[0]}`]);
    }
  }
  if (flags.users.length > 0) {
    raw = { ...raw, users: Object.fromEntries(flags.users.map((u) => pair(u))) };
  }
  if (flags.databases.length > 0) {
    raw = {
      ...raw,
      databases: Object.fromEntries(
        flags.databases.map((d) => {
          const [db, groups] = pair(d);
          return [db, { groups }];
        }),
      ),
    };
  }
  const result = devShapeSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`),
    );
  }
  return result.data;
}
