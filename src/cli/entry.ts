/**
 * The `ocient-sso` executable (bundled as CommonJS into dist/ocient-sso.cjs): it sizes libuv's thread pool,
 * then loads the command line (dist/ocient-sso.mjs). libuv reads UV_THREADPOOL_SIZE once, when the pool is
 * first used, and Node's ES module loader uses the pool to read the main module: an ES module entry point
 * is already too late to size it, a CommonJS one (read synchronously) is not.
 * An operator's UV_THREADPOOL_SIZE is kept as it is; see threadpool.ts for the size chosen otherwise.
 */
import { defaultThreadpoolEnv } from "../server/threadpool.js";

Object.assign(process.env, defaultThreadpoolEnv(process.env));
// A computed specifier: the bundler leaves it to Node, which resolves it beside this file.
const program = "./ocient-sso.mjs";
import(program).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
