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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ocient-sso", pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
