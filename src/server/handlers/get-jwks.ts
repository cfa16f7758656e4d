/** `GET /.well-known/jwks.json` (getJwks): public keys of minted tokens, current and not yet retired. */
import type { Handler, HandlerDeps } from "./types.js";

export function getJwks({ service }: HandlerDeps): Handler {
  return function getJwks(ctx) {
    ctx.set("cache-control", "public, max-age=300");
    // What the document declares; RFC 7517 §8.5's application/jwk-set+json needs the document changed first.
    ctx.type = "application/json";
    ctx.body = service.current.keys.jwks();
  };
}
