/** `GET /.well-known/jwks.json` (getJwks): public keys of minted tokens, current and not yet retired. */
import type { JWK } from "jose";
import type { components } from "../../../generated/types.js";
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

type PublicJwk = components["schemas"]["PublicJwk"];

const isKty = (kty: string | undefined): kty is PublicJwk["kty"] =>
  kty === "EC" || kty === "RSA" || kty === "OKP";

/** The key store's public JWKs, as the document describes them: every key it makes is EC, RSA or OKP, for signing. */
function documented({ kty, kid, use, ...members }: JWK): PublicJwk {
  if (!isKty(kty) || kid === undefined || (use ?? "sig") !== "sig") {
    throw new Error("the key store published a key the document does not describe");
  }
  return { ...members, kty, kid, use: "sig" };
}

export function getJwks({ service }: HandlerDeps): OperationHandler<"getJwks"> {
  return function getJwks(ctx) {
    ctx.set("cache-control", "public, max-age=300");
    ctx.type = "application/jwk-set+json";
    return { status: 200, body: { keys: service.current.keys.jwks().keys.map(documented) } };
  };
}
