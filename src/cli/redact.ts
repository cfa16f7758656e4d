/** Secrets never leave the CLI: any member named like a secret is replaced before printing. */
const SECRET_KEY = /(secret|password|private_key|^d$)/i;

export const REDACTED = "[redacted]";

export function redactSecrets(value: unknown): unknown {
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
