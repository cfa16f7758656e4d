import { pathToFileURL } from "node:url";

/**
 * Runs `main` with the command line's arguments when the module at `moduleUrl` is the script node was
 * started with (not when it is imported), and exits with the code it resolves to; when it throws, prints
 * one `✘` line with the message (no stack) and exits 1.
 */
export function runScript(moduleUrl: string, main: (argv: readonly string[]) => Promise<number>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`✘ ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
