/**
 * Bundles the command line (and so the server) into one ES module, dist/ocient-sso.mjs, and the package's
 * `bin`, dist/ocient-sso.cjs, the CommonJS entry that sizes libuv's thread pool before loading it
 * (src/cli/entry.ts). One file loads about 100 ms faster than the hundreds of modules it is made of, which is most
 * of the way to starting in under 300 ms; without comments and whitespace (names kept, for stacks and
 * profiles) it is a third smaller, and V8 compiles it about 15 ms faster at every start (docs/benchmark.md). Development mode's provider (oidc-provider, a devDependency) stays
 * outside the bundle and is loaded only by `ocient-sso dev`.
 */

import { chmod } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export const BUNDLE = "dist/ocient-sso.mjs";
/** The executable: what the installed `ocient-sso` command, the container image and the systemd unit run. */
export const ENTRY = "dist/ocient-sso.cjs";

/** Writes the program to `outfile` and its entry beside it (same name, .cjs). */
export async function bundle(outfile = BUNDLE): Promise<void> {
  const entry = outfile.replace(/\.mjs$/, ".cjs");
  await build({
    entryPoints: ["src/cli/entry.ts"],
    outfile: entry,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    // Node's own import(), not the bundler's require() stand-in: the program is an ES module.
    supported: { "dynamic-import": true },
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
  await chmod(entry, 0o755);
  await build({
    entryPoints: ["src/cli/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // A native addon, loaded only for a profile kept in the keyring (src/cli/sessions/keyring.ts).
    external: ["oidc-provider", "@napi-rs/keyring"],
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundled CommonJS dependencies call require(); give the module one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const started = performance.now();
  await bundle();
  console.log(
    `✔ bundled src/cli/main.ts into ${BUNDLE} (entry ${ENTRY}) in ${Math.round(performance.now() - started)} ms`,
  );
}
