/**
 * Compile-only (checked by `tsc --noEmit`): `exchange()` and `raw.POST` accept exactly one token.
 * Each `@ts-expect-error` fails the build if the line below it ever compiles. Nothing here runs.
 */
import { createSsoClient, type ExchangeResult, SsoExchangeError } from "../../src/client/index.js";

const client = createSsoClient({ baseUrl: "http://127.0.0.1:8080" });

export async function accepted(): Promise<ExchangeResult[]> {
  return [
    await client.exchange({ database: "retail_analytics", idToken: "eyJ..." }),
    await client.exchange({ database: "retail_analytics", accessToken: "eyJ..." }),
  ];
}

export async function refused(): Promise<void> {
  // @ts-expect-error both tokens
  await client.exchange({ database: "d", idToken: "eyJ...", accessToken: "eyJ..." });
  // @ts-expect-error neither token
  await client.exchange({ database: "d" });
  // @ts-expect-error a misspelled key
  await client.exchange({ database: "d", id_tokn: "eyJ..." });
  // @ts-expect-error the wire name instead of the client's
  await client.exchange({ database: "d", id_token: "eyJ..." });
  // @ts-expect-error no database
  await client.exchange({ idToken: "eyJ..." });
}

export async function rawAccepted(): Promise<string | undefined> {
  const { data } = await client.raw.POST("/v1/sso_token", { body: { database: "d", id_token: "eyJ..." } });
  return data?.id_token;
}

export async function rawRefused(): Promise<void> {
  await client.raw.POST("/v1/sso_token", {
    // @ts-expect-error both tokens
    body: { database: "d", id_token: "eyJ...", access_token: "eyJ..." },
  });
  await client.raw.POST("/v1/sso_token", {
    // @ts-expect-error neither token
    body: { database: "d" },
  });
}

export function errorFields(err: unknown): string | undefined {
  if (!(err instanceof SsoExchangeError)) return undefined;
  const fields: [string, number, number, string, string] = [
    err.code,
    err.httpStatus,
    err.vendorCode,
    err.sqlState,
    err.reason,
  ];
  return fields.join(" ");
}
