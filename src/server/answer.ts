/** What every successful answer shares: the published `status` object, and the headers that keep a token out of caches. */
import type { KoaContext } from "./handlers/types.js";

export interface OkStatus {
  status: { reason: string; sql_state: "00000"; vendor_code: 0 };
}

export function okStatus(reason: string): OkStatus {
  return { status: { reason, sql_state: "00000", vendor_code: 0 } };
}

export function noStore(ctx: KoaContext): void {
  ctx.set("cache-control", "no-store");
  ctx.set("pragma", "no-cache");
}
