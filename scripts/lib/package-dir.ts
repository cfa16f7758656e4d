/**
 * Writes one publishable package into its own directory under dist/ (its package.json, the files it
 * ships, README, LICENSE and CHANGELOG) and packs it with `npm pack`. The repository's own package.json
 * stays private: it is the workspace these packages are built from, never published itself.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DIST = path.join(ROOT, "dist");

/** The published packages' scope: only its owner can publish under it, so no one else can take these names. */
export const SCOPE = "@ocient-sso";

export interface PackageSpec {
  /** The directory to (re)create. */
  dir: string;
  manifest: Record<string, unknown>;
  /** Files to ship: path in the package → path in this repository. */
  files: Record<string, string>;
}

/** The fields every published package takes from the repository's package.json. */
export function sharedManifest(): Record<string, unknown> {
  const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return { version: root.version, license: root.license, type: "module", engines: root.engines };
}

/** Writes `spec.dir` and packs it into dist/; returns the tarball's path. */
export function writePackage(spec: PackageSpec): string {
  rmSync(spec.dir, { recursive: true, force: true });
  const files: Record<string, string> = {
    ...spec.files,
    LICENSE: "LICENSE",
    "CHANGELOG.md": "CHANGELOG.md",
  };
  for (const [target, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(spec.dir, target)), { recursive: true });
    copyFileSync(path.join(ROOT, source), path.join(spec.dir, target));
  }
  // npm always packs README and LICENSE, but a changelog only when `files` names it.
  const shipped = spec.manifest.files;
  const manifest = { ...spec.manifest, files: [...(Array.isArray(shipped) ? shipped : []), "CHANGELOG.md"] };
  writeFileSync(path.join(spec.dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", DIST], {
    cwd: spec.dir,
    encoding: "utf8",
  });
  return path.join(DIST, out.trim().split("\n").at(-1) as string);
}
