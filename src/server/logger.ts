/**
 * Structured JSON logs (pino). Fields that could carry a secret are censored by path as a second
 * line of defence; the first is that no code logs a token, a secret or a signature.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * Top-level fields only: wildcard paths made redaction the costliest part of each log line on the
 * exchange's hot path, and log lines here are flat objects. The suite-wide log scan is the real proof.
 */
const REDACTED_PATHS = [
  "id_token",
  "access_token",
  "token",
  "client_secret",
  "authorization",
  "headers.authorization",
];

/**
 * pino's isoTime, its string kept for the millisecond it names: every line logged within one millisecond
 * carries the same text, and toISOString runs once for them.
 */
let lastMs = Number.NaN;
let lastTime = "";
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ocient-sso", pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: isoTime,
    },
    destination,
  );
}
