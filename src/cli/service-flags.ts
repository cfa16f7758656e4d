import { createSsoClient, type SsoClient, type SsoClientOptions } from "../client/index.js";
import { required, UsageError } from "./command.js";

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

/** The typed client of the service at `--url`; a URL it can't take is wrong usage. */
export function serviceClient(url: string, options: Omit<SsoClientOptions, "baseUrl"> = {}): SsoClient {
  try {
    return createSsoClient({ ...options, baseUrl: url });
  } catch {
    throw new UsageError("--url must be an absolute http(s) URL");
  }
}
