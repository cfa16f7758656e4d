import { required } from "./command.js";

/** The flags of a command that talks to a running service: its base URL and the database to open. */
export const serviceOptions = {
  url: { type: "string", short: "u" },
  database: { type: "string", short: "d" },
} as const;

/** `--url` and `--database` of {@link serviceOptions}, both required. */
export function serviceTarget(values: { url?: string; database?: string }): {
  url: string;
  database: string;
} {
  return { url: required(values.url, "--url"), database: required(values.database, "--database") };
}
