/**
 * The server package, `@ocient-sso/server`: the `ocient-sso` command (serve, check-config, keys, exchange)
 * as the one bundled module scripts/bundle.ts writes, with no dependencies to install, since the bundle
 * carries them. `ocient-sso dev` also needs oidc-provider, an optional peer an operator never installs.
 * Runs after scripts/bundle.ts; writes `dist/server-package/` and `dist/ocient-sso-server-<version>.tgz`.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLE } from "./bundle.js";
import { DIST, ROOT, SCOPE, sharedManifest, writePackage } from "./lib/package-dir.js";

export const SERVER_PACKAGE_DIR = path.join(DIST, "server-package");
export const SERVER_PACKAGE_NAME = `${SCOPE}/server`;

/** Writes `dist/server-package/` and packs it; returns the tarball's path. */
export function packServer(): string {
  if (!existsSync(path.join(ROOT, BUNDLE)))
    throw new Error(`${BUNDLE} is missing: run scripts/bundle.ts first`);
  const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return writePackage({
    dir: SERVER_PACKAGE_DIR,
    files: { "ocient-sso.mjs": BUNDLE, "README.md": "packages/server/README.md" },
    manifest: {
      name: SERVER_PACKAGE_NAME,
      description: root.description,
      ...sharedManifest(),
      bin: { "ocient-sso": "ocient-sso.mjs" },
      files: ["ocient-sso.mjs"],
      peerDependencies: { "oidc-provider": `^${root.devDependencies["oidc-provider"]}` },
      peerDependenciesMeta: { "oidc-provider": { optional: true } },
    },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`📦 ${path.relative(ROOT, packServer())}`);
}
