/** One base64url segment of a hand-made JWS: a value as JSON, or a string as it is. */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}
