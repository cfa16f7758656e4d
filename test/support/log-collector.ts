/**
 * Every log line every harness of this test file's run wrote, and every token it sent or received, so a
 * test can check that no line carries a fragment of any token (style: never log a token or a signature).
 */

const lines: string[] = [];
const fragments = new Set<string>();

/** The parts of a token that must never show up anywhere: a JWS's payload and signature, or an opaque token. */
export function tokenFragments(token: string): string[] {
  const parts = token.split(".");
  const picked = parts.length === 3 ? [parts[1] ?? "", parts[2] ?? ""] : [token];
  // Short strings (an empty signature, "x") would match by accident and prove nothing.
  return picked.filter((p) => p.length >= 12);
}

export function collectLine(line: string): void {
  lines.push(line);
}

export function rememberToken(token: unknown): void {
  if (typeof token !== "string") return;
  for (const fragment of tokenFragments(token)) fragments.add(fragment);
}

export function collectedLines(): readonly string[] {
  return lines;
}

/** Lines that contain a fragment of a remembered token, with the fragment's first characters. */
export function leakedLines(): { line: string; fragment: string }[] {
  const leaks: { line: string; fragment: string }[] = [];
  for (const line of lines) {
    for (const fragment of fragments) {
      if (line.includes(fragment)) leaks.push({ line, fragment: `${fragment.slice(0, 8)}…` });
    }
  }
  return leaks;
}

export function rememberedTokenCount(): number {
  return fragments.size;
}
