/**
 * Keeps a token fresh: `token()` answers the current token, refreshed once half its life has passed, as
 * Ocient's published text advises. Callers at once share one refresh, never two in flight. A refresh that
 * fails while the current token still lives leaves that token in use (and is tried again on the next
 * call); once the token has expired, the failure is the answer.
 */
import type { RefreshResult, SsoClient } from "./create-client.js";

export interface FreshTokenOptions {
  /** Milliseconds since the epoch (default `Date.now`); tests move it. */
  now?: () => number;
  /** The database each refresh asks for (default: the database of the token last received). */
  database?: string;
}

export interface FreshToken {
  /** The current token, refreshed first when half its life has passed. */
  token(): Promise<string>;
  /** The token last received and when it expires (ms since the epoch). */
  readonly current: { token: string; database: string; expiresAt: number };
}

/** `first` is what `exchange()` (or a sign-in) answered: the token and its `expiresIn` in seconds. */
export function keepFresh(
  client: Pick<SsoClient, "refresh">,
  first: { token: string; expiresIn: number; database: string },
  options: FreshTokenOptions = {},
): FreshToken {
  const now = options.now ?? Date.now;
  const received = (token: string, expiresIn: number, database: string, at: number) => ({
    token,
    database,
    expiresAt: at + expiresIn * 1000,
    refreshAt: at + (expiresIn * 1000) / 2,
  });
  let current = received(first.token, first.expiresIn, first.database, now());
  let inFlight: Promise<RefreshResult> | undefined;

  async function token(): Promise<string> {
    if (now() < current.refreshAt) return current.token;
    inFlight ??= client
      .refresh({ token: current.token, database: options.database ?? current.database })
      .finally(() => {
        inFlight = undefined;
      });
    try {
      const next = await inFlight;
      current = received(next.token, next.expiresIn, next.database, now());
    } catch (err) {
      if (now() >= current.expiresAt) throw err;
    }
    return current.token;
  }

  return {
    token,
    get current() {
      return { token: current.token, database: current.database, expiresAt: current.expiresAt };
    },
  };
}
