/**
 * The shape of a command and its argument parsing. Exit codes: 0 success, 1 the command failed
 * (message on stderr), 2 the command line was wrong (usage on stderr), 3 no session: sign in first
 * (`ocient-sso login`), so scripts can tell "log in again" from any other failure.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Io } from "./io.js";

export interface Command {
  name: string;
  /** The full `--help` text. */
  usage: string;
  run(args: string[], io: Io): Promise<number>;
}

/** A wrong command line: printed with the usage, exit 2. */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
}

/** The command failed: printed alone on stderr, exit 1. */
export class CliError extends Error {
  readonly code: string = "ERR_CLI";
  readonly exitCode: number = 1;
}

/** No session to take a token from (never signed in, logged out, or the session ended): exit 3. */
export class SignInNeeded extends CliError {
  override readonly code = "ERR_SIGN_IN_NEEDED";
  override readonly exitCode = 3;
}

/** Every command's `--help`; spread into its `parseArgs` options. */
export const helpOption = { help: { type: "boolean", short: "h" } } as const;

/** `parseArgs` (strict by default); its errors (unknown flag, missing value) become {@link UsageError}. */
export function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(((err as Error).message.split("\n")[0] ?? "").split(". ")[0] ?? "");
    }
    throw err;
  }
}

export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === "") throw new UsageError(`${flag} is required`);
  return value;
}

export function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
  return Number(value);
}
