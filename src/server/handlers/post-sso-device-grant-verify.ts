/**
 * `POST /v1/sso_device_grant_verify` (postOcientHttpQueryApiSsoDeviceGrantVerify): waits, at most
 * `timeout` seconds, for the user to finish at the provider, then mints as `/v1/sso_token` does.
 */
import { InvalidRequest } from "../../errors.js";
import { parseTimeout } from "../../signin/device-grant.js";
import { bodyObject, noStore, okStatus } from "../sign-in-http.js";
import type { Handler, HandlerDeps } from "./types.js";

export function postSsoDeviceGrantVerify({ service }: HandlerDeps): Handler {
  return async function postSsoDeviceGrantVerify(ctx, body) {
    const request = bodyObject(body);
    const { user_code, database } = request;
    if (typeof user_code !== "string" || user_code === "") throw new InvalidRequest("user_code is required");
    if (database !== undefined && (typeof database !== "string" || database === "")) {
      throw new InvalidRequest("database must be a non-empty string");
    }
    const timeoutSeconds = parseTimeout(request.timeout);
    const audit = { database, facts: {} };
    ctx.state.audit = audit;
    // The caller gone, the poll stops.
    const left = new AbortController();
    ctx.res.once("close", () => left.abort());
    const result = await service.current.signIn.device.verify(
      { userCode: user_code, database, timeoutSeconds, client: ctx.state.client, signal: left.signal },
      audit.facts,
    );
    audit.database = result.database;
    noStore(ctx);
    ctx.body = {
      access_token: result.token,
      username: result.user,
      database: result.database,
      expires_in: result.expiresIn,
      token_type: "Bearer",
      ...okStatus("Authentication successful"),
    };
  };
}
