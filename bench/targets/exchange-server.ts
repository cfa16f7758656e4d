/** Bench target: the real service, from built JS, with the configuration file named on the command line. */
import { loadConfigFile } from "../../src/config/load.js";
import { startServer } from "../../src/server/serve.js";
import { announce, exitOnStop } from "./lifecycle.js";

const file = process.argv[2];
if (file === undefined) throw new TypeError("usage: exchange-server CONFIG_FILE");
const running = await startServer(await loadConfigFile(file, {}));
exitOnStop(() => running.close());
announce({ ready: running.url });
