/** The callback path a request names: one of the allow-list, which holds only plain paths (config/callback-path.ts). */
import { isPlainPath } from "../config/callback-path.js";
import { InvalidRequest } from "../errors.js";

/** The allow-listed path a request names (default: the first of the list), or 400 -1254. */
export function allowedCallbackPath(requested: unknown, allowList: readonly string[]): string {
  if (requested === undefined) return allowList[0] as string;
  if (typeof requested !== "string" || !isPlainPath(requested) || !allowList.includes(requested)) {
    throw new InvalidRequest("sso_callback_path is not one of the callback paths allowed for this database");
  }
  return requested;
}
