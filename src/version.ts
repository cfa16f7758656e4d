/**
 * The running version, read from package.json at build time (esbuild inlines it into the bundle), so
 * `ocient-sso --version` and the build_info metric say which release answers.
 */
import manifest from "../package.json" with { type: "json" };

export const VERSION: string = manifest.version;
