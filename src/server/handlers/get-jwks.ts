/** `GET /.well-known/jwks.json` (getJwks): public keys of minted tokens, current and not yet retired. */
import type { Handler, HandlerDeps } from "./types.js";

export function getJwks({ service }: HandlerDeps): Handler {
  return function getJwks(ctx) {
    ctx.set("cache-control", "public, max-age=300");
    ctx.type = "application/jwk-set+json";
    ctx.body = service.current.keys.jwks();
  };
}
