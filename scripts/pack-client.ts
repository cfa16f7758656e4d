/**
 * The client-only package: the emitted client (`dist/src/client`) and the generated files it reaches, with
 * a package.json of its own whose only dependency is openapi-fetch: `@ocient-sso/client`. An application that
 * wants `exchange()` installs this instead of the service (Koa, openapi-backend, pino, prom-client and the
 * rest). Runs after `tsc -p tsconfig.build.json`; writes `dist/client-package/` and
 * `dist/ocient-sso-client-<version>.tgz`.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { DIST, ROOT, SCOPE, sharedManifest, writePackage } from "./lib/package-dir.js";

export const CLIENT_PACKAGE_DIR = path.join(DIST, "client-package");
export const CLIENT_PACKAGE_NAME = `${SCOPE}/client`;
const ENTRY = "src/client/index";

/** Every module specifier of an emitted module or declaration file (static, re-export, dynamic, type imports). */
export function specifiers(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] as string));
}

/**
 * The files reached from `entry` (relative to `dist/`) through relative imports of its .js and .d.ts
 * files, and the packages they name.
 */
export function clientFiles(dist: string, entry = ENTRY): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [`${entry}.js`, `${entry}.d.ts`];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file) || !existsSync(path.join(dist, file))) continue;
    files.add(file);
    for (const spec of specifiers(readFileSync(path.join(dist, file), "utf8"))) {
      if (!spec.startsWith(".")) {
        packages.add(spec);
        continue;
      }
      const target = path.posix.join(path.posix.dirname(file), spec);
      // A declaration imports `./x.js` and means `./x.d.ts` as well.
      queue.push(target, target.replace(/\.js$/, ".d.ts"));
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

function dependencyVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const version = manifest.dependencies?.[name];
  if (typeof version !== "string")
    throw new Error(`the client imports ${name}, which package.json does not depend on`);
  return version;
}

/** Writes `dist/client-package/` and packs it; returns the tarball's path. */
export function packClient(): string {
  const { files, packages } = clientFiles(DIST);
  if (!files.includes(`${ENTRY}.js`))
    throw new Error(`dist/${ENTRY}.js is missing: run tsc -p tsconfig.build.json first`);
  return writePackage({
    dir: CLIENT_PACKAGE_DIR,
    files: {
      ...Object.fromEntries(files.map((file) => [file, path.join("dist", file)])),
      "README.md": "packages/client/README.md",
    },
    manifest: {
      name: CLIENT_PACKAGE_NAME,
      description: "Typed fetch client of ocient-sso (Ocient's SSO operations of the HTTP Query API)",
      ...sharedManifest(),
      exports: {
        ".": { types: `./${ENTRY}.d.ts`, default: `./${ENTRY}.js` },
        "./package.json": "./package.json",
      },
      types: `./${ENTRY}.d.ts`,
      files: [...new Set(files.map((file) => file.split("/")[0]))],
      dependencies: Object.fromEntries(packages.map((name) => [name, dependencyVersion(name)])),
      sideEffects: false,
    },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const tarball = packClient();
  console.log(`📦 ${path.relative(ROOT, CLIENT_PACKAGE_DIR)} → ${path.relative(ROOT, tarball)}`);
}
