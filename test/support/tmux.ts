/**
 * A real terminal for interactive CLI tests: a tmux server of the test's own (its own socket file), one
 * bash session with a clean environment, lines typed with send-keys and the screen read with
 * capture-pane. `close()` ends that tmux server only.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Terminal {
  /** Types `line` and presses Enter. */
  type(line: string): Promise<void>;
  /** The whole transcript so far (scroll-back included), wrapped lines joined. */
  transcript(): Promise<string>;
  /** Resolves with the first match of `pattern` in the transcript after `from` characters. */
  waitFor(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<RegExpMatchArray>;
  close(): Promise<void>;
}

export async function startTerminal(dir: string, env: Record<string, string>): Promise<Terminal> {
  const socket = join(dir, "tmux.sock");
  const tmux = (...args: string[]) => run("tmux", ["-S", socket, ...args]);
  const exports = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  await run("tmux", [
    "-S",
    socket,
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-s",
    "t",
    "-x",
    "220",
    "-y",
    "50",
    "env",
    "-i",
    ...exports,
    "bash",
    "--norc",
    "--noprofile",
  ]);
  await tmux("set-option", "-t", "t", "history-limit", "10000");
  const transcript = async () => (await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t")).stdout;
  return {
    async type(line) {
      await tmux("send-keys", "-t", "t", "-l", line);
      await tmux("send-keys", "-t", "t", "Enter");
    },
    transcript,
    async waitFor(pattern, { timeoutMs = 60_000, from = 0 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = (await transcript()).slice(from);
        const match = text.match(pattern);
        if (match) return match;
        if (Date.now() > deadline)
          throw new Error(`no ${pattern} in the terminal within ${timeoutMs} ms:\n${text}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      await tmux("kill-server").catch(() => undefined);
    },
  };
}
