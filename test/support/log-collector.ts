/**
 * Every log line every harness of this test file's run wrote, and every token it sent or received, so a
 * test can check that no line carries a fragment of any token (style: never log a token or a signature).
 * Under `vitest run` (global-setup.ts) lines and fragments also go to the run directory, where the
 * scan after the last file checks the whole suite at once.
 */
import { tokenFragments } from "../../bench/lib/token-fragments.js";
import { RUN_DIR_ENV, RunDirWriter } from "./log-scan.js";

export { tokenFragments };

const lines: string[] = [];
const fragments = new Set<string>();
const runDir = process.env[RUN_DIR_ENV];
const writer = runDir ? new RunDirWriter(runDir) : undefined;

export function collectLine(line: string): void {
  lines.push(line);
  writer?.line(line);
}

function remember(fragment: string): void {
  if (fragments.has(fragment)) return;
  fragments.add(fragment);
  writer?.fragment(fragment);
}

export function rememberToken(token: unknown): void {
  if (typeof token !== "string") return;
  for (const fragment of tokenFragments(token)) remember(fragment);
}

/** A secret (client secret, private key parameter) that must never be logged either. */
export function rememberSecret(secret: unknown): void {
  if (typeof secret === "string" && secret.length >= 12) remember(secret);
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

/** Whether lines and fragments also go to a suite-wide run directory. */
export function writesRunDir(): boolean {
  return writer !== undefined;
}
