/**
 * The token of an `Authorization` header (RFC 6750 §2.1, scheme case-insensitive); undefined without one.
 * Only the field's own trailing whitespace (SP, HTAB: RFC 9110 §5.5) is dropped, not whatever else
 * `String.prototype.trim` counts as space (a Latin-1 NBSP is a byte a client sent): anything but
 * the token itself makes the token malformed.
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  const scheme = authorization === undefined ? null : /^Bearer +/i.exec(authorization);
  if (!scheme || authorization === undefined) return undefined;
  const token = authorization.slice(scheme[0].length).replace(/[ \t]+$/, "");
  return token === "" ? undefined : token;
}
