/**
 * Callback paths: where the provider sends the browser back, appended to `server.public_url`. Only a
 * plain absolute path is one: no scheme or host (`https://…`, `//host`), no backslash (which browsers
 * read as a slash), no percent-encoding (`%2F`, `%5C` decode to separators behind some proxies), no
 * query or fragment, and no `.` or `..` segment. The configuration's allow-list and a request's choice
 * (signin/callback-path.ts) follow this one rule.
 */
const PLAIN_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,255}$/;

export function isPlainPath(path: string): boolean {
  if (!PLAIN_PATH.test(path) || path.includes("//")) return false;
  return !path.split("/").some((segment) => segment === "." || segment === "..");
}
