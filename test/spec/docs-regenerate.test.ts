/**
 * docs/regenerating.md's commands, run literally, line by line, in a copy of the repository, on a new
 * release of the published files (placed at the paths the doc names): the import keeps them byte for byte,
 * generate writes what the release says, and the check then passes. The release is built from the kept
 * files as the scenario suite builds one, whatever their bytes (a BOM, CRLF).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH, PUBLISHED_PAGE_PATH } from "../../scripts/lib/doc-page.js";
import { at, release } from "../../scripts/scenarios/scenario.js";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

const run = promisify(execFile);
const doc = readFileSync(path.join(ROOT, "docs/regenerating.md"), "utf8");

/** The commands of the doc's first sh block, as written. */
function regenerateCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
  return block.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docs/regenerating.md", () => {
  it("names three commands: import, generate, check", () => {
    expect(regenerateCommands()).toEqual([
      "npx tsx scripts/import-published.ts path/to/sso_token-page.txt path/to/generated-api-methods.json",
      "npm run generate",
      "npm run generate:check",
    ]);
  });

  it("works when followed literally on a new release", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-docs-"));
    for (const entry of ["scripts", "src", "openapi", "generated", "package.json", "docs", "tsconfig.json"]) {
      cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));

    // The next release: sso_token's answer gains `username`, in the whole document and in the page's block.
    // Cut from the kept files as the scenario suite cuts a release.
    const next = release(
      {
        change: (d) => {
          at.responseProperties(d, "/v1/sso_token").username = { type: "string" };
        },
      },
      read(PUBLISHED_DOCUMENT_PATH),
      read(PUBLISHED_PAGE_PATH),
    );
    mkdirSync(path.join(dir, "path/to"), { recursive: true });
    writeFileSync(path.join(dir, "path/to/sso_token-page.txt"), next.page);
    writeFileSync(path.join(dir, "path/to/generated-api-methods.json"), next.document);

    const outputs: string[] = [];
    for (const command of regenerateCommands()) {
      const { stdout } = await run("sh", ["-c", command], { cwd: dir, timeout: 60_000 });
      outputs.push(stdout);
    }
    const inCopy = (file: string) => readFileSync(path.join(dir as string, file), "utf8");
    expect(inCopy(PUBLISHED_DOCUMENT_PATH)).toBe(next.document);
    expect(inCopy(PUBLISHED_PAGE_PATH)).toBe(next.page);
    expect(inCopy(PAGE_SPEC_PATH)).toContain("username:");
    expect(outputs[1]).toMatch(
      /✔ served +POST \/v1\/sso_token +postOcientHttpQueryApiSsoToken \(changed upstream\)/,
    );
    expect(outputs[2]).toContain("✔ generated/ is up to date");
    expect(inCopy("generated/types.ts")).toMatch(/username\?: string;/);
  }, 120_000);
});
