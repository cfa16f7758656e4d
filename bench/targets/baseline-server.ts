/**
 * Bench target: the baseline. A bare Koa application with the service's own body reader, answering the
 * parsed body back as JSON; nothing else (no routing, validation, logging or crypto).
 */
import { createServer } from "node:http";
import Koa from "koa";
import { readJsonBody } from "../../src/server/read-json-body.js";
import { announce, portFrom, serveUntilStopped } from "./lifecycle.js";

/** The service's default `server.max_body_bytes`. */
const MAX_BODY_BYTES = 16384;

const port = portFrom(process.argv[2]);
const app = new Koa();
app.silent = true;
app.use(async function echo(ctx) {
  ctx.body = await readJsonBody(ctx.req, MAX_BODY_BYTES);
});
const server = createServer(app.callback());
await serveUntilStopped(server, port);
announce({ ready: `http://127.0.0.1:${port}` });
