/**
 * A request whose body the server did not read to its end (refused before it was read, past the size
 * cap, or sent to a route that takes none) is answered with `Connection: close`, and its connection is
 * closed soon after: the rest of the body is never read. Only a little more is read and dropped, for at
 * most a moment, so that a client still sending receives the answer instead of a reset (closing a socket
 * with unread data makes the kernel reset the connection, which can discard an answer not yet delivered).
 */
import type { IncomingMessage } from "node:http";
import type { Context } from "koa";

/** Bytes of the unread body read and dropped after the answer, at most. */
export const LINGER_BYTES = 256 * 1024;
/** How long the connection stays half-open after the answer, at most (ms). */
export const LINGER_MS = 1000;

function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** Once the answer is made: with a body left unread, it closes the connection (the module's comment). */
export function dropUnreadBody(ctx: Context): void {
  if (!hasUnreadBody(ctx.req)) return;
  ctx.set("connection", "close");
  linger(ctx.req);
}

function linger(req: IncomingMessage): void {
  const { socket } = req;
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  let left = LINGER_BYTES;
  req.on("data", (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) close();
  });
  req.resume();
  // Node ends a `Connection: close` answer with socket.destroySoon(), which destroys the socket as soon
  // as the answer is written; half-close instead, and let the bounds above (or the client) end it.
  socket.destroySoon = () => {
    socket.end();
  };
}
