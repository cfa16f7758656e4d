/**
 * A readable's bytes up to a cap, read with its own events: an async iterator would cost the event loop a
 * generator and a promise per chunk. The request body (server/read-json-body.ts) and a provider's answer
 * (provider/provider-http.ts) are read here.
 */
import type { Readable } from "node:stream";

/**
 * The whole stream; `undefined` once it passes `limit` bytes, the stream then paused with the rest unread
 * (the caller drops or destroys it). Rejects when the stream fails or closes before its end: with its
 * error, else with an Error saying `cutOff`.
 */
export function readCapped(stream: Readable, limit: number, cutOff: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      stream.pause();
      resolve(undefined);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(stream.errored ?? new Error(cutOff));
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}
