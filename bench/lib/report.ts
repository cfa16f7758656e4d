/** The printed table, the targets of issue #5, and the figures block of bench/README.md. */
import { readFile, writeFile } from "node:fs/promises";
import type { Memory } from "./child.js";

export interface Row {
  scenario: string;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  /** Server CPU per request (for the crypto floor: per operation), µs. */
  cpu_us_per_request?: number | null;
  memory?: Memory;
}

export interface TargetCheck {
  target: string;
  value: string;
  pass: boolean | null;
}

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const HEAD = ["scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "CPU µs/req", "RSS MB"];

function cells(row: Row): string[] {
  return [
    row.scenario,
    String(row.rps),
    ms(row.p50_ms),
    ms(row.p99_ms),
    ms(row.max_ms),
    String(row.errors),
    row.cpu_us_per_request == null ? "n/a" : row.cpu_us_per_request.toFixed(1),
    row.memory ? row.memory.rss_mb.toFixed(1) : "n/a",
  ];
}

export function printTable(rows: Row[]): void {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  for (const [i, r] of all.entries()) {
    console.log(
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "),
    );
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

export function printTargets(checks: TargetCheck[]): void {
  for (const c of checks) {
    const verdict = c.pass === null ? "not run" : c.pass ? "PASS" : "FAIL";
    console.log(`${verdict.padEnd(7)} ${c.target}: ${c.value}`);
  }
}

const START = "<!-- bench:latest:start -->";
const END = "<!-- bench:latest:end -->";

/** Rewrites the figures block between the markers of bench/README.md. */
export async function updateReadme(
  file: string,
  heading: string,
  rows: Row[],
  lines: string[],
): Promise<void> {
  const text = await readFile(file, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) return;
  const table = [
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map((_, c) => (c === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${cells(r).join(" | ")} |`),
  ];
  const block = [START, heading, "", ...table, "", ...lines.map((l) => `- ${l}`), END].join("\n");
  await writeFile(file, text.slice(0, from) + block + text.slice(to + END.length));
}
