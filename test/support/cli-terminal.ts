/**
 * The CLI in a real terminal (tmux running bash, test/support/tmux.ts), as a person runs it: `ocient-sso`
 * is a shell function running src/cli/main.ts through tsx (what `npm install` puts on PATH, without
 * building), HOME and the cache directory in a temporary directory of the test's own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./spawn-cli.js";
import { startTerminal, type Terminal } from "./tmux.js";

export interface CliTerminal {
  term: Terminal;
  /** The temporary directory: HOME, and the shell's working directory. */
  dir: string;
  /** Where profiles are kept: <dir>/cache/ocient-sso/profiles. */
  cacheDir: string;
  /** Runs `line` and waits for its own end marker; answers what it printed and its exit status. */
  shell(line: string, timeoutMs?: number): Promise<{ output: string; status: number }>;
  close(): Promise<void>;
}

/** `env` is added to the terminal's clean environment (PATH, HOME, XDG_CACHE_HOME, TERM, PS1). */
export async function startCliTerminal(name: string, env: Record<string, string> = {}): Promise<CliTerminal> {
  const dir = await mkdtemp(join(tmpdir(), `ocient-sso-${name}-`));
  const tsx = pathToFileURL(createRequire(join(root, "package.json")).resolve("tsx")).href;
  let term: Terminal;
  try {
    term = await startTerminal(dir, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_CACHE_HOME: join(dir, "cache"),
      TERM: "xterm",
      PS1: "$ ",
      ...env,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await term.type(`ocient-sso() { node --import ${tsx} ${join(root, "src/cli/main.ts")} "$@"; }`);
  await term.type(`cd ${dir}`);
  let step = 0;
  return {
    term,
    dir,
    cacheDir: join(dir, "cache", "ocient-sso", "profiles"),
    async shell(line, timeoutMs = 90_000) {
      const marker = `step-${++step}`;
      await term.type(`echo "<<${marker}"; ${line}; echo "${marker}>> exit=$?"`);
      const match = await term.waitFor(new RegExp(`\\n<<${marker}\\n([\\s\\S]*?)${marker}>> exit=(\\d+)`), {
        timeoutMs,
      });
      return { output: match[1] ?? "", status: Number(match[2]) };
    },
    async close() {
      await term.close();
      // The shell tmux ran may still be going away, its files with it.
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
