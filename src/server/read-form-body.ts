/**
 * Reads an `application/x-www-form-urlencoded` body (RFC 6749 §4.1.3, RFC 8693 §2.1) under the same
 * size cap as JSON bodies. A parameter sent twice is refused (RFC 6749 §3.2: "MUST NOT be included more
 * than once"), as is an empty value, which RFC 6749 §3.1 says to treat as omitted (and so it is, here, by
 * refusing the ambiguity outright rather than guessing).
 */
import type { IncomingMessage } from "node:http";
import { InvalidRequest, PayloadTooLarge, UnsupportedMediaType } from "../errors.js";
import { readText } from "./read-json-body.js";

const FORM = "application/x-www-form-urlencoded";

export async function readFormBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, string>> {
  const type = req.headers["content-type"]?.split(";", 1)[0]?.trim().toLowerCase();
  if (type !== FORM) throw new UnsupportedMediaType(`the request body must be ${FORM}`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new PayloadTooLarge(`the request body is larger than ${maxBytes} bytes`);
  }
  const params = new URLSearchParams(await readText(req, maxBytes));
  const body: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(body, name)) throw new InvalidRequest(`the parameter ${name.slice(0, 40)} is repeated`);
    if (value !== "") body[name] = value;
  }
  return body;
}
