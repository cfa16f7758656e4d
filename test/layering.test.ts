/**
 * The layers of src/, read from the imports of every file by TypeScript's own parser: config is the
 * bottom layer (it imports nothing else of src), and the core (exchange, keys, provider) knows nothing of
 * HTTP frameworks, of the generated document, of the server or of the CLI. A new import that breaks a
 * rule fails here, naming the file and the import.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** One import of a file: the specifier as written and, for a relative one, the file it names (from the repo root). */
interface Import {
  specifier: string;
  target: string | undefined;
}

function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles.map(({ fileName }) => ({
    specifier: fileName,
    target: fileName.startsWith(".")
      ? path.relative(ROOT, path.resolve(path.dirname(file), fileName))
      : undefined,
  }));
}

const inside = (target: string | undefined, folder: string) =>
  target !== undefined && (target === folder || target.startsWith(`${folder}/`));

/** Which imports of `file` break a rule, as `file: specifier (why)`. */
function layeringBreaches(file: string): string[] {
  const from = path.relative(ROOT, file);
  const breaches: string[] = [];
  for (const { specifier, target } of importsOf(file)) {
    const breach = (why: string) => breaches.push(`${from}: ${specifier} (${why})`);
    if (inside(from, "src/config") && target !== undefined && !inside(target, "src/config")) {
      breach("src/config imports nothing else of the project");
    }
    if (["src/exchange", "src/keys", "src/provider"].some((core) => inside(from, core))) {
      if (specifier === "koa" || specifier.startsWith("koa/") || specifier.startsWith("@koa/"))
        breach("no Koa in the core");
      if (inside(target, "generated")) breach("the core does not read the generated document");
      if (inside(target, "src/server")) breach("the core does not import the server");
      if (inside(target, "src/cli")) breach("the core does not import the CLI");
    }
  }
  return breaches;
}

describe("layering of src/", () => {
  const files = sourceFiles(SRC);

  it("reads the imports of every source file", () => {
    const core = files.filter((f) => /\/src\/(exchange|keys|provider|config)\//.test(f));
    expect(core.length).toBeGreaterThan(20);
    // The parser sees relative, package and type-only imports alike.
    expect(importsOf(path.join(SRC, "config/schema.ts")).map((i) => i.specifier)).toEqual(
      expect.arrayContaining(["zod", "./callback-path.js"]),
    );
  });

  it("config imports only config; exchange, keys and provider import no Koa, generated/, server or CLI", () => {
    expect(files.flatMap(layeringBreaches)).toEqual([]);
  });
});
