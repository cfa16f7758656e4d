/**
 * The server package, `@ocient-sso/server`: the `ocient-sso` command (serve, check-config, keys, exchange)
 * as scripts/bundle.ts writes it (the entry ocient-sso.cjs, which sizes the thread pool, and the bundled
 * module ocient-sso.mjs), with one optional dependency to install, the keyring's native addon
 * (@napi-rs/keyring); the bundle carries the rest. `ocient-sso dev` also needs oidc-provider, an optional peer an operator never installs.
 * Runs after scripts/bundle.ts; writes `dist/server-package/` and `dist/ocient-sso-server-<version>.tgz`.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { BUNDLE, ENTRY } from "./bundle.js";
import { DIST, ROOT, SCOPE, sharedManifest, writePackage } from "./lib/package-dir.js";

export const SERVER_PACKAGE_DIR = path.join(DIST, "server-package");
export const SERVER_PACKAGE_NAME = `${SCOPE}/server`;

/** The CLI's keyring storage: a native addon, outside the bundle (scripts/bundle.ts). */
export const KEYRING_PACKAGE = "@napi-rs/keyring";

/** Writes `dist/server-package/` and packs it; returns the tarball's path. */
export function packServer(): string {
  if (!existsSync(path.join(ROOT, BUNDLE)))
    throw new Error(`${BUNDLE} is missing: run scripts/bundle.ts first`);
  const root = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  return writePackage({
    dir: SERVER_PACKAGE_DIR,
    files: { "ocient-sso.cjs": ENTRY, "ocient-sso.mjs": BUNDLE, "README.md": "packages/server/README.md" },
    manifest: {
      name: SERVER_PACKAGE_NAME,
      description: root.description,
      ...sharedManifest(),
      // The entry sizes libuv's thread pool, then loads the bundle beside it (src/cli/entry.ts).
      bin: { "ocient-sso": "ocient-sso.cjs" },
      files: ["ocient-sso.cjs", "ocient-sso.mjs"],
      // The keyring's native addon can't be bundled; npm installs the build for the user's platform, and
      // without it only `login --token-storage keyring` is refused (src/cli/sessions/keyring.ts).
      optionalDependencies: { [KEYRING_PACKAGE]: root.dependencies[KEYRING_PACKAGE] },
      peerDependencies: { "oidc-provider": `^${root.devDependencies["oidc-provider"]}` },
      peerDependenciesMeta: { "oidc-provider": { optional: true } },
    },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`📦 ${path.relative(ROOT, packServer())}`);
}
