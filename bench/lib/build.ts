/**
 * Compiles the bench targets and the parts of src/ they import to dist/bench/, so targets run as plain JS,
 * and bundles the service exactly as `npm run build` ships it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BUNDLE, bundle, ENTRY } from "../../scripts/bundle.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The product as shipped: the executable (`npm run build`), run as `serve --config FILE`. */
export const PRODUCT = join(ROOT, ENTRY);
const OUT = join(ROOT, "dist/bench/bench/targets");

/** Path of a built target, e.g. `target("baseline-server")`. */
export function target(name: string): string {
  return join(OUT, `${name}.js`);
}

export async function buildTargets(): Promise<{ ms: number }> {
  const started = performance.now();
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", "bench/tsconfig.json"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  // tsc emits despite type errors; a type error elsewhere in a shared checkout should not stop the bench.
  if (result.status !== 0) {
    const first = `${result.stdout}${result.stderr}`.trim().split("\n").slice(0, 5).join("\n");
    console.warn(`warning: tsc reported problems (the bench continues with what it emitted):\n${first}`);
  }
  for (const name of ["baseline-server", "peer-provider", "crypto-floor", "mint-worker", "dev-provider"]) {
    if (!existsSync(target(name))) throw new Error(`the build did not emit ${target(name)}`);
  }
  await bundle(join(ROOT, BUNDLE));
  return { ms: performance.now() - started };
}
