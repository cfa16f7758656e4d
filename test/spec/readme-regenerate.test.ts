/**
 * The "Regenerating from the spec" guide (docs/regenerating.md), run literally, line by line, in a copy of the
 * repository, on a new release of the published files (placed at the paths the guide names): the import
 * keeps them byte for byte, generate writes what the release says, and the check then passes.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/generate.js";
import { PAGE_SPEC_PATH, PUBLISHED_DOCUMENT_PATH, PUBLISHED_PAGE_PATH } from "../../scripts/lib/doc-page.js";

const run = promisify(execFile);
const guide = readFileSync(path.join(ROOT, "docs/regenerating.md"), "utf8");

/** The commands of the section's sh block, as written. */
function regenerateCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(guide)?.[1] ?? "";
  return block.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

let dir: string | undefined;
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docs/regenerating.md: regenerating from the spec", () => {
  it("names three commands: import, generate, check", () => {
    expect(regenerateCommands()).toEqual([
      "npx tsx scripts/import-published.ts path/to/sso_token-page.txt path/to/generated-api-methods.json",
      "npm run generate",
      "npm run generate:check",
    ]);
  });

  it("works when followed literally on a new release", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ocient-sso-regenerate-"));
    for (const entry of ["scripts", "src", "openapi", "generated", "package.json", "docs", "tsconfig.json"]) {
      cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));

    // The next release: sso_token's answer gains `username`, in the whole document and in the page's block.
    const document = readFileSync(path.join(ROOT, PUBLISHED_DOCUMENT_PATH), "utf8");
    const release = document.replace(
      /("database": \{\s*"type": "string"\s*\})(\s*\}\s*\},\s*"examples": \{\s*"response": \{\s*"value": \{\s*"id_token": "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9\.\.\.")/,
      '$1, "username": { "type": "string" }$2',
    );
    const ssoAnswer =
      JSON.parse(release).paths["/v1/sso_token"].post.responses["200"].content["application/json"];
    expect(Object.keys(ssoAnswer.schema.properties)).toEqual(["id_token", "database", "username"]);
    expect(release).not.toBe(document);
    const page = readFileSync(path.join(ROOT, PUBLISHED_PAGE_PATH), "utf8");
    const releasePage = page.replace(
      "                  database:\n                    type: string\n              examples:",
      "                  database:\n                    type: string\n                  username:\n                    type: string\n              examples:",
    );
    expect(releasePage).not.toBe(page);
    mkdirSync(path.join(dir, "path/to"), { recursive: true });
    writeFileSync(path.join(dir, "path/to/sso_token-page.txt"), releasePage);
    writeFileSync(path.join(dir, "path/to/generated-api-methods.json"), release);

    const outputs: string[] = [];
    for (const command of regenerateCommands()) {
      const { stdout } = await run("sh", ["-c", command], { cwd: dir, timeout: 60_000 });
      outputs.push(stdout);
    }
    const at = (file: string) => readFileSync(path.join(dir as string, file), "utf8");
    expect(at(PUBLISHED_DOCUMENT_PATH)).toBe(release);
    expect(at(PUBLISHED_PAGE_PATH)).toBe(releasePage);
    expect(at(PAGE_SPEC_PATH)).toContain("username:");
    expect(outputs[1]).toMatch(
      /✔ served +POST \/v1\/sso_token +postOcientHttpQueryApiSsoToken \(changed upstream\)/,
    );
    expect(outputs[2]).toContain("✔ generated/ is up to date");
    expect(at("generated/types.ts")).toMatch(/username\?: string;/);
  }, 120_000);
});
