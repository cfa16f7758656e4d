/**
 * Bundles the command line (and so the server) into one ES module, dist/ocient-sso.mjs, the `bin` of the
 * package. One file loads about 100 ms faster than the hundreds of modules it is made of, which is most
 * of the way to starting in under 300 ms. Development mode's provider (oidc-provider, a devDependency) stays
 * outside the bundle and is loaded only by `ocient-sso dev`.
 */
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export const BUNDLE = "dist/ocient-sso.mjs";

export async function bundle(outfile = BUNDLE): Promise<void> {
  await build({
    entryPoints: ["src/cli/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["oidc-provider"],
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
  console.log(`✔ bundled src/cli/main.ts into ${BUNDLE} in ${Math.round(performance.now() - started)} ms`);
}
