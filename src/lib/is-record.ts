/** A JSON object (not an array, not null): what a token's header or claims, or a provider's answer, must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
