/**
 * Callback paths: where the provider sends the browser back, appended to `server.public_url`. Only a
 * plain absolute path is one: no scheme or host (`https://…`, `//host`), no backslash (which browsers
 * read as a slash), no percent-encoding (`%2F`, `%5C` decode to separators behind some proxies), no
 * query or fragment, and no `.` or `..` segment. A request may only name a path of the allow-list.
 */
import { InvalidRequest } from "../errors.js";

const PLAIN_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,255}$/;

export function isPlainPath(path: string): boolean {
  if (!PLAIN_PATH.test(path) || path.includes("//")) return false;
  return !path.split("/").some((segment) => segment === "." || segment === "..");
}

/** The allow-listed path a request names (default: the first of the list), or 400 -1254. */
export function allowedCallbackPath(requested: unknown, allowList: readonly string[]): string {
  if (requested === undefined) return allowList[0] as string;
  if (typeof requested !== "string" || !isPlainPath(requested) || !allowList.includes(requested)) {
    throw new InvalidRequest("sso_callback_path is not one of the callback paths allowed for this database");
  }
  return requested;
}
