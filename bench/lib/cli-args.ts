/**
 * The bench scripts' command lines: `--help` prints the usage, and an unknown option or a bad value
 * prints what is wrong and the usage (exit 2), never a stack trace.
 */
export function readArgs<T>(usage: string, read: () => T): T {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    return read();
  } catch (err) {
    return argError(usage, (err as Error).message);
  }
}

export function argError(usage: string, message: string): never {
  process.stderr.write(`${message}\n\n${usage}`);
  process.exit(2);
}
