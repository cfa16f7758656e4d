/**
 * The client-only package: the emitted client (`dist/src/client`) and the generated files it reaches, with
 * a package.json of its own whose only dependency is openapi-fetch. An application that wants `exchange()`
 * installs this instead of the whole service (Koa, openapi-backend, pino, prom-client and the rest).
 * Runs after `tsc -p tsconfig.build.json`; writes `dist/client-package/` and its tarball in `dist/`.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");
export const CLIENT_PACKAGE_DIR = path.join(DIST, "client-package");
export const CLIENT_PACKAGE_NAME = "ocient-sso-client";
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
  rmSync(CLIENT_PACKAGE_DIR, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(path.dirname(path.join(CLIENT_PACKAGE_DIR, file)), { recursive: true });
    copyFileSync(path.join(DIST, file), path.join(CLIENT_PACKAGE_DIR, file));
  }
  const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const manifest = {
    name: CLIENT_PACKAGE_NAME,
    version: root.version,
    description: "Typed fetch client of ocient-sso (Ocient's SSO operations of the HTTP Query API)",
    license: root.license,
    type: "module",
    engines: root.engines,
    exports: {
      ".": { types: `./${ENTRY}.d.ts`, default: `./${ENTRY}.js` },
      "./package.json": "./package.json",
    },
    types: `./${ENTRY}.d.ts`,
    dependencies: Object.fromEntries(packages.map((name) => [name, dependencyVersion(name)])),
    sideEffects: false,
  };
  writeFileSync(path.join(CLIENT_PACKAGE_DIR, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    path.join(CLIENT_PACKAGE_DIR, "README.md"),
    `# ${CLIENT_PACKAGE_NAME}\n\nThe typed client of ocient-sso, without the server. See docs/client.md of ocient-sso.\n`,
  );
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", DIST], {
    cwd: CLIENT_PACKAGE_DIR,
    encoding: "utf8",
  });
  return path.join(DIST, out.trim().split("\n").at(-1) as string);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const tarball = packClient();
  console.log(`📦 ${path.relative(ROOT, CLIENT_PACKAGE_DIR)} → ${path.relative(ROOT, tarball)}`);
}
