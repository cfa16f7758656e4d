import type { Config } from "./schema.js";

/** Where clients reach this service: `server.public_url`, else the token issuer. */
export function publicUrlOf(config: Config): string {
  return config.server.public_url ?? config.token.issuer;
}
