#!/usr/bin/env node
/** The `ocient-sso` executable. */
import { processIo } from "./io.js";
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// Whatever still holds the event loop (a keep-alive socket, a timer) must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
