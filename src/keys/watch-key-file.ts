/**
 * Re-reads the key file when it changes (polled: it may live on a shared volume, where change events are
 * unreliable) and swaps in the keys only: the configuration, caches and limits stay. The key that signed
 * until then stays published for as long as its tokens live (KeyStore.successor). A file that cannot be
 * used is reported and the running keys kept.
 */
import { type Stats, unwatchFile, watchFile } from "node:fs";
import type { Config } from "../config/schema.js";
import { KEY_FILE_POLL_SECONDS, readKeyFile } from "./key-file.js";
import type { KeyStore } from "./key-store.js";

/** What the watch reports (the server logs it). */
export interface KeyFileEvents {
  reloaded(kids: string[]): void;
  refused(problem: string): void;
}

/**
 * Watches the key file of `current()` (the running keys and their token settings, which a reload of the
 * configuration may replace); returns the function that stops watching.
 */
export function watchKeyFile(
  current: () => { keys: KeyStore; token: Config["token"] },
  events: KeyFileEvents,
): () => void {
  const file = current().token.keys_file;
  let pending = Promise.resolve();
  const onChange = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
    pending = pending.then(async () => {
      const { keys, token } = current();
      try {
        const content = await readKeyFile(token.keys_file);
        if (!content) throw new Error("the key file is gone");
        const fresh = keys.successor(content, token.algorithm, token.ttl_seconds);
        await fresh.probe();
        keys.adopt(fresh);
        events.reloaded(fresh.jwks().keys.map((k) => k.kid as string));
      } catch (err) {
        events.refused((err as Error).message);
      }
    });
  };
  watchFile(file, { interval: KEY_FILE_POLL_SECONDS * 1000, persistent: false }, onChange);
  return () => unwatchFile(file, onChange);
}
