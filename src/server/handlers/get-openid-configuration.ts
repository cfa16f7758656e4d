/** `GET /.well-known/openid-configuration` (getOpenidConfiguration): lets any JWT library find the keys. */
import type { OperationHandler } from "../operations.js";
import type { HandlerDeps } from "./types.js";

export function getOpenidConfiguration({ service }: HandlerDeps): OperationHandler<"getOpenidConfiguration"> {
  return function getOpenidConfiguration(ctx) {
    const { token } = service.current.config;
    const base = token.issuer.replace(/\/$/, "");
    ctx.set("cache-control", "public, max-age=300");
    return {
      status: 200,
      body: {
        issuer: token.issuer,
        jwks_uri: `${base}/.well-known/jwks.json`,
        token_endpoint: `${base}/oauth2/token`,
        grant_types_supported: ["urn:ietf:params:oauth:grant-type:token-exchange"],
        response_types_supported: ["token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [token.algorithm],
      },
    };
  };
}
