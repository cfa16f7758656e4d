/** Secrets never leave the CLI: any member named like a secret is replaced before printing. */
const SECRET_KEY = /(secret|password|private_key|^d$)/i;

export const REDACTED = "[redacted]";

/** The password of a URL's user information (`redis://user:password@host`). */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]+@/i;

export function redactSecrets(value: unknown): unknown {
  if (typeof value === "string") return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
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
