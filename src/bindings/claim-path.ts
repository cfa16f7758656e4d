/**
 * Reads a claim by its name or by a JSON pointer (RFC 6901) into nested objects, as Vault's
 * `bound_claims` keys do: `/kubernetes.io/namespace`. A pointer step into an array takes an index.
 */

/** The pointer's steps, unescaped (`~1` → `/`, `~0` → `~`), or the single name. */
export function claimSteps(path: string): string[] {
  if (!path.startsWith("/")) return [path];
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

export function readClaim(claims: Record<string, unknown>, steps: readonly string[]): unknown {
  let value: unknown = claims;
  for (const step of steps) {
    if (Array.isArray(value)) {
      value = /^(0|[1-9][0-9]*)$/.test(step) ? value[Number(step)] : undefined;
    } else if (typeof value === "object" && value !== null && Object.hasOwn(value, step)) {
      value = (value as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return value;
}

/** A claim as a string: a non-empty string, else undefined. */
export function stringClaim(claims: Record<string, unknown>, path: string): string | undefined {
  const value = readClaim(claims, claimSteps(path));
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A claim as a list of groups: a string is one group; non-strings and empty strings are dropped. */
export function groupsClaim(claims: Record<string, unknown>, path: string | undefined): string[] {
  if (path === undefined) return [];
  const value = readClaim(claims, claimSteps(path));
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string" && g !== "");
  return [];
}
