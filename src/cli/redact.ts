/** Secrets never leave the CLI: any member named like a secret is replaced before printing. */
import { REDACTED, redactUrl } from "../config/redact-url.js";

const SECRET_KEY = /(secret|password|private_key|^d$)/i;

export { REDACTED };

export function redactSecrets(value: unknown): unknown {
  // Every string that is a URL loses its credentials (a Redis URL's user information and query).
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined ? REDACTED : redactSecrets(v);
    }
    return out;
  }
  return value;
}
