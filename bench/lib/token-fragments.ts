/** The parts of a token that must never show up anywhere: a JWS's payload and signature, or an opaque token. */
export function tokenFragments(token: string): string[] {
  const parts = token.split(".");
  const picked = parts.length === 3 ? [parts[1] ?? "", parts[2] ?? ""] : [token];
  // Short strings (an empty signature, "x") would match by accident and prove nothing.
  return picked.filter((p) => p.length >= 12);
}
