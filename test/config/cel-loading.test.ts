/**
 * The CEL library is loaded only for a configuration that holds an expression (config/cel-source.ts): a
 * configuration without CEL never loads it, one read with loadConfigFile loads it by itself and is checked
 * as before, and the synchronous parseConfig says what to do rather than passing an expression unchecked.
 * Vitest gives each test file its own modules, so nothing loaded the library before this file.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import * as ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { celLibrary, holdsCel } from "../../src/config/cel-source.js";
import { ConfigError, loadConfigFile, parseConfig } from "../../src/config/load.js";
import { minimalConfig } from "../support/config-problems.js";

/** The minimal configuration with one binding on the corp provider, its user from a CEL expression. */
function withCel(user_cel: string) {
  const config = structuredClone(minimalConfig) as Record<string, unknown> & {
    integrations: Array<Record<string, unknown>>;
  };
  config.integrations[0] = {
    ...config.integrations[0],
    bindings: [{ name: "ci", when: { repository_owner: "octo-org" }, user_cel }],
  };
  return config;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocient-sso-cel-loading-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ROOT = resolve(import.meta.dirname, "../..");
const CEL = "@bufbuild/cel";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/**
 * Every place in src/ that loads the CEL library when it runs, as `file: how`: a static import that is not
 * `import type` (evaluated at every start, whatever the configuration), or a dynamic `import()`.
 */
function celLoads(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, "src"))) {
    const name = relative(ROOT, file);
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isImportDeclaration(node) &&
        ts.isStringLiteral(node.moduleSpecifier) &&
        node.moduleSpecifier.text === CEL &&
        !node.importClause?.isTypeOnly
      )
        found.push(`${name}: static import of ${node.moduleSpecifier.text}`);
      if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] !== undefined &&
        ts.isStringLiteral(node.arguments[0]) &&
        node.arguments[0].text === CEL
      )
        found.push(`${name}: import("${node.arguments[0].text}")`);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found.sort();
}

async function file(name: string, config: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config));
  return path;
}

describe("loading the CEL library", () => {
  it("is loaded by loadCel() alone: no file of src/ imports it when it is loaded itself", () => {
    expect(celLoads()).toEqual(['src/config/cel-source.ts: import("@bufbuild/cel")']);
  });

  it("finds expressions wherever the configuration holds them, and only strings under cel or user_cel", () => {
    expect(holdsCel(minimalConfig)).toBe(false);
    expect(holdsCel(withCel('"ci-" + claims.repository'))).toBe(true);
    expect(holdsCel({ integrations: [{ bindings: [{ when: { x: 1 }, cel: "true" }] }] })).toBe(true);
    expect(holdsCel({ databases: { cel: { users: ["a"] } } })).toBe(false);
  });

  it("leaves it unloaded for a configuration without CEL, which loads and checks as before", async () => {
    const config = await loadConfigFile(await file("plain.json", minimalConfig), {});
    expect(config.integrations[0]?.name).toBe("corp");
    expect(() => celLibrary()).toThrow(/await loadCel\(\) before parseConfig/);
  });

  it("says what to do when parseConfig meets an expression before the library is loaded", () => {
    expect(() => parseConfig(withCel('"ci-" + claims.repository'))).toThrow(
      /CEL expressions need the CEL library: await loadCel\(\) before parseConfig/,
    );
  });

  it("loads it for a file that holds an expression, and still refuses a bad one with its position", async () => {
    const bad = await file("bad.json", withCel('"ci-" + claims.repository +'));
    const refusal = await loadConfigFile(bad, {}).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String((refusal as ConfigError).message)).toMatch(/invalid CEL expression at line 1, column \d+/);
    const good = await loadConfigFile(await file("good.json", withCel('"ci-" + claims.repository')), {});
    expect(good.integrations[0]?.bindings?.[0]?.user_cel).toBe('"ci-" + claims.repository');
    expect(celLibrary().std).toBeDefined();
  });
});
