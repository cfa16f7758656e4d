/**
 * The suite-wide log scan: every test process appends its log lines and the fragments of every token
 * and secret it handled to files in one run directory (created by `global-setup.ts`), and the scan looks
 * for any fragment in any line once all files have run.
 *
 * A leak is any run of at least `WINDOW + STRIDE - 1` characters of a fragment, so a token cut short
 * or embedded in other text is found too. Fragments are indexed by windows at a stride (not every
 * offset) to keep the index small, and every offset of a line is looked up.
 */
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const RUN_DIR_ENV = "OCIENT_SSO_TEST_RUN_DIR";
/** Written into the run directory when the scan finds a leak. */
export const LEAK_REPORT = "LEAKS.txt";
const LINES_PREFIX = "lines-";
const FRAGMENTS_PREFIX = "fragments-";

const WINDOW = 12;
const STRIDE = 4;
/** The shortest piece of a fragment that is always found. */
export const SHORTEST_DETECTED_LEAK = WINDOW + STRIDE - 1;
/** Windows with fewer distinct characters (`AAAA…`, padding) prove nothing and would match by accident. */
const MIN_DISTINCT = 6;
/** Characters of base64, base64url and RFC 6750 tokens: a fragment can only hide in a run of them. */
const KEY_MATERIAL_RUN = /[A-Za-z0-9_\-+/.~]{12,}/g;

export interface Leak {
  file: string;
  lineNumber: number;
  /** The first characters of the leaked fragment (never the whole of it). */
  fragment: string;
}

export interface ScanResult {
  lines: number;
  fragments: number;
  leaks: Leak[];
}

/** Writes into the run directory, one file per test process. */
export class RunDirWriter {
  readonly #lines: string;
  readonly #fragments: string;

  constructor(dir: string, id = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`) {
    this.#lines = join(dir, `${LINES_PREFIX}${id}.ndjson`);
    this.#fragments = join(dir, `${FRAGMENTS_PREFIX}${id}.txt`);
  }

  line(line: string): void {
    appendFileSync(this.#lines, `${line.replaceAll("\n", "\\n")}\n`);
  }

  fragment(fragment: string): void {
    appendFileSync(this.#fragments, `${fragment}\n`);
  }
}

function distinct(s: string): number {
  return new Set(s).size;
}

/** Indexes the windows of each fragment: window → the fragments it came from. */
function indexFragments(fragments: Iterable<string>): Map<string, string> {
  const index = new Map<string, string>();
  for (const fragment of fragments) {
    for (let i = 0; i + WINDOW <= fragment.length; i += STRIDE) {
      const window = fragment.slice(i, i + WINDOW);
      if (distinct(window) >= MIN_DISTINCT && !index.has(window)) index.set(window, fragment);
    }
    // The tail, so a fragment whose length is not a multiple of the stride is covered to its end.
    if (fragment.length >= WINDOW) {
      const tail = fragment.slice(-WINDOW);
      if (distinct(tail) >= MIN_DISTINCT && !index.has(tail)) index.set(tail, fragment);
    }
  }
  return index;
}

/** Lines (by file) that contain a piece of any fragment. */
export function findLeaks(files: Map<string, string[]>, fragments: Iterable<string>): Leak[] {
  const index = indexFragments(fragments);
  const leaks: Leak[] = [];
  if (index.size === 0) return leaks;
  for (const [file, lines] of files) {
    lines.forEach((line, n) => {
      for (const run of line.matchAll(KEY_MATERIAL_RUN)) {
        const text = run[0];
        for (let i = 0; i + WINDOW <= text.length; i++) {
          const fragment = index.get(text.slice(i, i + WINDOW));
          if (fragment !== undefined) {
            leaks.push({ file, lineNumber: n + 1, fragment: `${fragment.slice(0, 6)}…` });
            return;
          }
        }
      }
    });
  }
  return leaks;
}

/** Reads every file of a run directory and scans it. */
export function scanRunDir(dir: string): ScanResult {
  const files = new Map<string, string[]>();
  const fragments = new Set<string>();
  let lines = 0;
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), "utf8");
    const rows = text.split("\n").filter((l) => l !== "");
    if (name.startsWith(LINES_PREFIX)) {
      files.set(name, rows);
      lines += rows.length;
    } else if (name.startsWith(FRAGMENTS_PREFIX)) {
      for (const row of rows) fragments.add(row);
    }
  }
  return { lines, fragments: fragments.size, leaks: findLeaks(files, fragments) };
}
