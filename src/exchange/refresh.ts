/**
 * The core of `POST /v1/token_refresh`: a token this service minted buys a new one while its session
 * lasts (`token.refresh_lifetime_seconds` from its `auth_time`) and today's grants still allow the
 * database. It costs one signature check and one signature, both on node:crypto's thread pool; no
 * provider is asked. As in jose's jwtVerify, nothing about the claims is said before the signature
 * verifies, and our own clock rules (no leeway).
 */

import type { BindingGrant } from "../bindings/binding-set.js";
import type { Clock } from "../clock.js";
import {
  AccessDenied,
  BearerKeyUnknown,
  BearerSignatureMismatch,
  InvalidBearerToken,
  MissingBearerToken,
  SessionExpired,
} from "../errors.js";
import { decodeJws, verifiesWith } from "../keys/jws.js";
import type { KeyStore } from "../keys/key-store.js";
import { TokenMinter } from "../keys/mint-token.js";
import { isRecord } from "../lib/is-record.js";
import { DENIED, type Identity } from "./access-policy.js";
import type { ExchangeFacts, ExchangeService } from "./exchange.js";
import type { VerifiedSubject } from "./verified-subject.js";

/** The database a refresh is for when the request names none, as published. */
export const DEFAULT_DATABASE = "system";

/** Node's default limit on a request's headers together; a token of ours is far shorter. */
const MAX_BEARER_LENGTH = 16384;

/** The published answer's fields, but `status`. */
export interface RefreshResult {
  access_token: string;
  /** The Ocient user (`sub`). */
  username: string;
  database: string;
  /** Seconds until the new token expires. */
  expires_in: number;
}

export interface RefreshOptions {
  /** Milliseconds since the epoch; tests freeze it. */
  now?: Clock;
}

/**
 * How long after `auth_time` a token may be refreshed: `token.refresh_lifetime_seconds`, or less for one
 * minted through a binding (its own `refresh_lifetime_seconds`, 0 by default: never).
 */
export function refreshLifetimeSeconds(tokenLifetime: number, binding: BindingGrant | undefined): number {
  return Math.min(tokenLifetime, binding?.refreshLifetimeSeconds ?? tokenLifetime);
}

const notOurs = (why: string) => new InvalidBearerToken(`the bearer token ${why}`);

/** The claims of a token minted here, as the refresh reads them back. */
interface OwnClaims {
  sub: string;
  idp: string;
  groups: string[];
  client_id: string | undefined;
  exp: number;
  auth_time: number;
  jti: string | undefined;
  binding: string | undefined;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string" && v !== "";

/** Our own claims, checked after the signature: a token we signed carries each of them, well formed. */
function ownClaims(payload: Record<string, unknown>): OwnClaims {
  const { sub, idp, groups, client_id, exp, auth_time, jti, binding } = payload;
  const groupList = groups === undefined ? [] : groups;
  if (
    !isString(sub) ||
    !isString(idp) ||
    !Array.isArray(groupList) ||
    !groupList.every(isString) ||
    (client_id !== undefined && typeof client_id !== "string") ||
    !isNumber(exp) ||
    !isNumber(auth_time) ||
    (jti !== undefined && typeof jti !== "string") ||
    (binding !== undefined && !isString(binding))
  ) {
    throw notOurs("is missing claims this service always sets");
  }
  return { sub, idp, groups: groupList, client_id, exp, auth_time, jti, binding };
}

export class RefreshService {
  readonly #exchange: ExchangeService;
  readonly #keys: KeyStore;
  readonly #minter: TokenMinter;
  readonly #now: Clock;
  readonly #issuer: string;
  readonly #audience: string;

  /** Beside the exchange it refreshes for: the same integrations and access policy. */
  constructor(exchange: ExchangeService, keys: KeyStore, options: RefreshOptions = {}) {
    const { token } = exchange.config;
    this.#exchange = exchange;
    this.#keys = keys;
    this.#minter = new TokenMinter(token, keys);
    this.#now = options.now ?? Date.now;
    this.#issuer = token.issuer;
    this.#audience = token.audience ?? token.issuer;
  }

  /**
   * Mints a new token for the holder of `token` (a bearer token this service minted), scoped to
   * `database` (default `system`). Refusals: no token -1204; not ours or malformed -1205; signature
   * -1206; unpublished `kid` -1207; expired or session over -1208; database not granted today -1251.
   */
  async refresh(
    token: string | undefined,
    database: string = DEFAULT_DATABASE,
    facts: ExchangeFacts = {},
  ): Promise<RefreshResult> {
    facts.database = database;
    if (token === undefined || token === "") throw new MissingBearerToken("a bearer token is required");
    const nowSec = Math.floor(this.#now() / 1000);
    const payload = await this.#verified(token, nowSec);
    if (payload.typ !== "at+jwt") throw notOurs("is not an access token of this service");
    const claims = payload.claims;
    if (claims.iss !== this.#issuer || claims.aud !== this.#audience)
      throw notOurs("was not issued by this service");
    const own = ownClaims(claims);
    facts.integration = own.idp;
    facts.user = own.sub;
    facts.presentedJti = own.jti;

    if (own.exp <= nowSec) throw new SessionExpired("the bearer token has expired");
    const { refresh_lifetime_seconds: lifetime, ttl_seconds: ttl } = this.#exchange.config.token;
    if (lifetime === 0) throw new SessionExpired("sessions are not refreshed here; sign in again");

    // Today's configuration: the integration must still exist and grant the database to this user.
    const integration = this.#exchange.integrations.byName(own.idp);
    if (!integration) throw new AccessDenied(DENIED);
    // A token minted through a binding stays within today's binding of that name: its databases, its
    // lifetime, and its own refresh lifetime (none by default: a workload exchanges a fresh token instead).
    const binding = own.binding === undefined ? undefined : integration.bindings.grantNamed(own.binding);
    if (own.binding !== undefined && !binding) throw new AccessDenied(DENIED);
    if (binding?.refreshLifetimeSeconds === 0)
      throw new SessionExpired(
        `tokens of binding ${binding.name} are not refreshed; exchange a new token from the workload's platform`,
      );
    const sessionEnd = own.auth_time + refreshLifetimeSeconds(lifetime, binding);
    if (sessionEnd <= nowSec) throw new SessionExpired("the session has ended; sign in again");
    const subject: VerifiedSubject = {
      kind: "access_token",
      integration,
      claims,
      exp: own.exp,
      clientId: own.client_id,
    };
    const identity: Identity = { user: own.sub, groups: own.groups };
    this.#exchange.policy.authorize(subject, identity, database, binding);
    const maxTtl = binding?.maxTtlSeconds ?? ttl;

    const minted = await this.#minter.issue(
      {
        user: own.sub,
        groups: own.groups,
        integration: own.idp,
        clientId: own.client_id,
        database,
        authTime: own.auth_time,
        ...(binding && { binding: binding.name }),
      },
      nowSec,
      Math.min(nowSec + Math.min(ttl, maxTtl), sessionEnd),
    );
    facts.jti = minted.jti;
    return { access_token: minted.token, username: own.sub, database, expires_in: minted.expiresIn };
  }

  /** The header's `typ` and the claims of a compact JWS whose signature one of our published keys made. */
  async #verified(token: string, nowSec: number): Promise<{ typ: unknown; claims: Record<string, unknown> }> {
    if (token.length > MAX_BEARER_LENGTH) throw notOurs("is longer than any this service mints");
    // The one JWS path of the exchange (keys/jws.ts), judged in the refresh's own order.
    const jws = decodeJws(token);
    if (typeof jws === "string" || !jws.encoded) throw notOurs("is not a signed JWT");
    const { header, payload: claims } = jws;
    if (header === undefined || typeof header.kid !== "string") throw notOurs("has a malformed header");
    const key = this.#keys.verificationKey(header.kid, nowSec);
    if (!key) throw new BearerKeyUnknown("the bearer token is signed by a key this service does not publish");
    if (!(await verifiesWith(token, header.alg, [key])))
      throw new BearerSignatureMismatch("the bearer token signature does not verify");
    if (!isRecord(claims)) throw notOurs("has a malformed payload");
    return { typ: header.typ, claims };
  }
}
