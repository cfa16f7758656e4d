/** The subject token's size cap, checked before the token is decoded, parsed or sent anywhere. */
import { PayloadTooLarge } from "../errors.js";

export function checkSize(token: string, maxBytes: number): void {
  // UTF-16 length is a lower bound of the UTF-8 size; both are checked before any decoding.
  if (token.length > maxBytes || Buffer.byteLength(token, "utf8") > maxBytes) {
    throw new PayloadTooLarge(`the token is larger than ${maxBytes} bytes`);
  }
}
