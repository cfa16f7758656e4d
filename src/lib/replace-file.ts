/**
 * Replaces a file atomically with a private new one: a temporary file beside it, created exclusively
 * (never through a path that already exists), written, synced and given `mode` whatever the umask, then
 * renamed over the file. A reader sees the old text or the new, never half; a failed step leaves no
 * temporary file. The CLI's profile files (cli/sessions/session-store.ts) and the agent's token file
 * (cli/commands/agent.ts) are written here.
 */
import { randomBytes } from "node:crypto";
import { chmod, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function replaceFile(file: string, text: string, mode: number): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // open()'s mode is reduced by the umask; the mode asked for is the mode the file gets.
    await chmod(temporary, mode);
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
