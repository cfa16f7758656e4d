/**
 * The one way a configured URL is shown (check-config's printout, any message that names a URL): parsed
 * as a URL (WHATWG), never matched by pattern, so whatever a client library would read as a credential is
 * what gets hidden. A Redis URL carries credentials in its user information (`redis://user:pass@host`,
 * a password may hold `@`) and in its query: ioredis turns every query parameter into a connection
 * option (`?password=`, `?username=`, `?sentinelPassword=`…), so only parameters known to be harmless
 * keep their value.
 */

export const REDACTED = "[redacted]";

/** Query parameters shown as they are: ioredis's database, address family and TLS profile. */
const HARMLESS_QUERY = new Set(["db", "family", "tls"]);

/** A scheme, `//` and an `@` later on: what would be user information if it parsed (not `alice@example.com`). */
const UNPARSED_WITH_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/.*@/is;

/**
 * `value` with the user, the password and every query value but the harmless ones replaced by
 * `[redacted]`; unchanged when it carries none or is no URL (a user name such as `alice@example.com`);
 * wholly `[redacted]` when it looks like a URL with user information but does not parse (it cannot be
 * shown safely in part).
 */
export function redactUrl(value: string): string {
  if (!URL.canParse(value)) return UNPARSED_WITH_USERINFO.test(value) ? REDACTED : value;
  const url = new URL(value);
  const params = [...url.searchParams];
  if (url.username === "" && url.password === "" && params.length === 0) return value;
  const userinfo =
    url.username === "" && url.password === ""
      ? ""
      : `${url.username && REDACTED}${url.password && `:${REDACTED}`}@`;
  const query = params
    .map(([k, v]) => `${encodeURIComponent(k)}=${HARMLESS_QUERY.has(k) ? encodeURIComponent(v) : REDACTED}`)
    .join("&");
  // `host` of a special scheme, else what follows `//`: both without the user information.
  const authority = url.host === "" && !value.includes("//") ? "" : `//${userinfo}${url.host}`;
  return `${url.protocol}${authority}${url.pathname}${query && `?${query}`}${url.hash}`;
}
