export { loadCel } from "../config/cel-source.js";
export { ConfigError, defineConfig, loadConfig, loadConfigFile, parseConfig } from "../config/load.js";
export type { Config, ConfigInput } from "../config/schema.js";
export { createApp } from "./app.js";
export { createLogger } from "./logger.js";
export { createMetrics } from "./metrics.js";
export { type RunningServer, type ServeOptions, startServer } from "./serve.js";
