/**
 * The scenario suite: upstream changes over the whole published document, each replayed as a maintainer
 * would, in a scratch copy of this repository (never in it): the next release's files are imported with
 * scripts/import-published.ts, the maintainer's decision (if any) is written into scripts/fix-spec.ts, and
 * scripts/generate.ts runs. Each ends as its scenario expects, refused naming the change and its remedy
 * with nothing written, or regenerated with its effect in generated/, the served document and the running
 * server (scripts/scenarios/probe.ts). Prints one table row per scenario.
 *
 *   tsx scripts/scenarios/run.ts [--quick] [--only TEXT]... [--suite TEXT]...
 *     --quick        no running server (refusals and generated/ only)
 *     --only TEXT    the scenarios whose name contains TEXT
 *     --suite TEXT   after a scenario whose name contains TEXT regenerates, run the whole test suite
 *                    (npx vitest run) in the scratch copy and report its counts
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { GENERATED_FILES, ROOT } from "../generate.js";
import { PUBLISHED_DOCUMENT_PATH, PUBLISHED_PAGE_PATH } from "../lib/doc-page.js";
import { runScript } from "../lib/run-script.js";
import { DECIDED } from "./decided.js";
import type { ProbeAnswer } from "./probe.js";
import { REFUSED_DOCUMENTS } from "./refused-documents.js";
import { REFUSED_REQUESTS } from "./refused-requests.js";
import { REGENERATIONS } from "./regenerations.js";
import { type Doc, type ExpectedFinding, release, type Scenario } from "./scenario.js";

const exec = promisify(execFile);
export const SCENARIOS: readonly Scenario[] = [
  ...REFUSED_REQUESTS,
  ...REFUSED_DOCUMENTS,
  ...REGENERATIONS,
  ...DECIDED,
];
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
/** What a scenario may change in the scratch copy, restored before the next one from BASE. */
const RESET = ["openapi", "generated", "scripts/fix-spec.ts", "README.md"];
/** In the scratch copy: RESET as the repository had it when the run started, which edits since do not reach. */
const BASE = ".scenario-base";

interface Ran {
  readonly code: number;
  readonly out: string;
}

async function command(
  cwd: string,
  file: string,
  args: string[],
  input?: string,
  timeout = 600_000,
): Promise<Ran> {
  const child = exec(file, args, { cwd, maxBuffer: 64 << 20, timeout });
  if (input !== undefined) child.child.stdin?.end(input);
  return child.then(
    ({ stdout, stderr }) => ({ code: 0, out: `${stdout}${stderr}` }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof err.code === "number" ? err.code : 1,
      out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    }),
  );
}

/** A copy of the repository's files (tracked and new, not ignored), node_modules linked. */
async function scratchCopy(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-scenarios-"));
  const { out } = await command(ROOT, "git", [
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
    "-z",
  ]);
  for (const file of out.split("\0").filter((file) => file !== "" && file !== "node_modules")) {
    cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  for (const entry of RESET) cpSync(path.join(dir, entry), path.join(dir, BASE, entry), { recursive: true });
  return dir;
}

function reset(dir: string): void {
  for (const entry of RESET) {
    rmSync(path.join(dir, entry), { recursive: true, force: true });
    cpSync(path.join(dir, BASE, entry), path.join(dir, entry), { recursive: true });
  }
}

/** The files under `entries` whose bytes differ between the scratch copy and its base. */
function differing(dir: string, entries: readonly string[]): string[] {
  return entries.filter((file) => {
    const read = (root: string) => readFileSync(path.join(root, file));
    try {
      return !read(dir).equals(read(path.join(dir, BASE)));
    } catch {
      return true;
    }
  });
}

const PUBLISHED = [PUBLISHED_DOCUMENT_PATH, PUBLISHED_PAGE_PATH, "openapi/ocient-sso-token.yaml"];

interface Finding {
  patch: string;
  at: string;
  says: string;
  remedy: string;
}

/** The findings generate.ts printed (scripts/lib/patch.ts formatFinding). */
function printedFindings(out: string): Finding[] {
  const found: Finding[] = [];
  const pattern =
    /^ {2}✘ (\S+) at (.*)\n {6}upstream now says: (.*)\n {6}expected: +.*\n {6}remedy: +(.*)$/gm;
  for (const [, patch = "", at = "", says = "", remedy = ""] of out.matchAll(pattern)) {
    found.push({ patch, at, says, remedy });
  }
  return found;
}

function matches(found: Finding, expected: ExpectedFinding): boolean {
  return (
    found.patch === expected.patch &&
    (expected.at === undefined || found.at.includes(expected.at)) &&
    (expected.says === undefined || expected.says.test(found.says)) &&
    expected.remedy.test(found.remedy)
  );
}

export interface Result {
  readonly name: string;
  readonly expected: string;
  readonly outcome: string;
  readonly passed: boolean;
  readonly suite?: string;
}

async function runScenario(dir: string, scenario: Scenario, quick: boolean): Promise<Omit<Result, "name">> {
  reset(dir);
  const next = release(
    scenario,
    readFileSync(path.join(dir, BASE, PUBLISHED_DOCUMENT_PATH), "utf8"),
    readFileSync(path.join(dir, BASE, PUBLISHED_PAGE_PATH), "utf8"),
  );
  writeFileSync(path.join(dir, "release-page.txt"), next.page);
  writeFileSync(path.join(dir, "release-document.json"), next.document);
  let fixSpec = readFileSync(path.join(dir, "scripts/fix-spec.ts"), "utf8");
  for (const [from, to] of scenario.decide ?? []) {
    if (!fixSpec.includes(from))
      throw new Error(`the decision's text is not in scripts/fix-spec.ts: ${from}`);
    fixSpec = fixSpec.replace(from, to);
  }
  writeFileSync(path.join(dir, "scripts/fix-spec.ts"), fixSpec);
  const expect = scenario.expect;
  const expected =
    expect.refused === "import"
      ? "refused by import"
      : expect.refused === "generate"
        ? `refused: ${expect.findings.map((f) => f.patch).join(", ")}`
        : `regenerates${scenario.decide ? " once decided" : ""}`;
  const outcome = (text: string, passed: boolean) => ({ expected, outcome: text, passed });

  const imported = await command(dir, TSX, [
    "scripts/import-published.ts",
    "release-page.txt",
    "release-document.json",
  ]);
  if (imported.code !== 0) {
    const written = differing(dir, PUBLISHED);
    const message = imported.out.trim().replaceAll(/\s*\n\s*/g, " ");
    const passed = expect.refused === "import" && expect.message.test(message) && written.length === 0;
    return outcome(
      `import refused${written.length > 0 ? `, yet wrote ${written.join(", ")}` : ""}: ${message}`,
      passed,
    );
  }
  if (expect.refused === "import") return outcome("imported", false);

  const generated = await command(dir, TSX, ["scripts/generate.ts"]);
  if (generated.code !== 0) {
    const written = differing(dir, GENERATED_FILES);
    const found = printedFindings(generated.out);
    const passed =
      expect.refused === "generate" &&
      written.length === 0 &&
      found.length === expect.findings.length &&
      expect.findings.every((f, i) => found[i] !== undefined && matches(found[i], f));
    const list =
      found.map((f) => `${f.patch} at ${f.at}`).join("; ") || generated.out.trim().split("\n").pop();
    return outcome(
      `refused (${found.length}): ${list}${written.length > 0 ? `; wrote ${written.join(", ")}` : ""}`,
      passed,
    );
  }
  if (expect.refused === "generate") return outcome("regenerated", false);

  const changed = differing(dir, GENERATED_FILES);
  const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
  try {
    expect.generated({
      document: JSON.parse(read("generated/openapi.json")) as Doc,
      types: read("generated/types.ts"),
      requestKeys: read("generated/request-keys.ts"),
      changed,
    });
    let served = "";
    if (!quick && expect.server) {
      const probe = await command(
        dir,
        TSX,
        ["scripts/scenarios/probe.ts"],
        JSON.stringify(expect.requests ?? []),
      );
      if (probe.code !== 0) throw new Error(`the server did not run: ${probe.out.trim().split("\n").pop()}`);
      const { document, answers } = JSON.parse(probe.out.slice(probe.out.indexOf('{"document"'))) as {
        document: Doc;
        answers: ProbeAnswer[];
      };
      expect.server(answers, document);
      served = `; server: ${answers.map((a) => a.status).join(", ") || "document"}`;
    }
    return outcome(
      `regenerated: ${changed.map((f) => path.basename(f)).join(", ") || "nothing changed"}${served}`,
      true,
    );
  } catch (err) {
    return outcome(`regenerated, but ${(err as Error).message.split("\n")[0]}`, false);
  }
}

/** The counts of a whole-suite run in the scratch copy (the summary reporter's closing line); its output is kept. */
async function wholeSuite(dir: string, name: string): Promise<string> {
  // An hour: the whole suite takes minutes alone and far longer on a loaded machine.
  const vitest = path.join(ROOT, "node_modules/.bin/vitest");
  const { code, out } = await command(dir, vitest, ["run"], undefined, 3_600_000);
  const log = path.join(tmpdir(), `ocient-sso-suite-${name.replaceAll(/\W+/g, "-")}.log`);
  writeFileSync(log, out);
  const summary = out.match(/\d+ passed, \d+ failed(, \d+ skipped)?/)?.[0] ?? "no summary";
  return `${summary} (exit ${code}; output in ${log})`;
}

function table(results: readonly Result[]): string {
  const rows = results.map(
    (r, i) =>
      `| ${i + 1} | ${r.name} | ${r.expected} | ${r.passed ? "✔" : "✘"} ${r.outcome}${r.suite ? `; whole suite: ${r.suite}` : ""} |`,
  );
  return ["| # | upstream change | expected | outcome |", "|---|---|---|---|", ...rows].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const values = (flag: string) =>
    argv.flatMap((arg, i) => (arg === flag && argv[i + 1] ? [argv[i + 1] as string] : []));
  const only = values("--only");
  const suite = values("--suite");
  const quick = argv.includes("--quick");
  const chosen = SCENARIOS.filter((s) => only.length === 0 || only.some((text) => s.name.includes(text)));
  const dir = await scratchCopy();
  const results: Result[] = [];
  try {
    for (const scenario of chosen) {
      const result: Result = { name: scenario.name, ...(await runScenario(dir, scenario, quick)) };
      const wanted =
        suite.some((text) => scenario.name.includes(text)) && result.outcome.startsWith("regenerated:");
      const counts = wanted ? await wholeSuite(dir, scenario.name) : undefined;
      const withSuite = counts
        ? { ...result, suite: counts, passed: result.passed && counts.includes("(exit 0;") }
        : result;
      results.push(withSuite);
      console.log(
        `${withSuite.passed ? "✔" : "✘"} ${scenario.name}: ${withSuite.outcome}${withSuite.suite ? `; whole suite: ${withSuite.suite}` : ""}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.passed).length;
  console.log(`\n${table(results)}\n\n${results.length - failed} of ${results.length} scenarios as expected`);
  return failed === 0 ? 0 : 1;
}

runScript(import.meta.url, main);
