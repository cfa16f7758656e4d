/** Requests to the sign-in routes from a chosen loopback address (each address is one client). */
import { Agent, fetch as undiciFetch } from "undici";
import { rememberSecret, rememberToken } from "../support/log-collector.js";

export interface SignInResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  json: any;
  text: string;
  setCookies: string[];
}

const agents = new Map<string, Agent>();

function agentFor(localAddress: string): Agent {
  let agent = agents.get(localAddress);
  if (agent === undefined) {
    agent = new Agent({ localAddress });
    agents.set(localAddress, agent);
  }
  return agent;
}

export interface CallInit {
  /** Source address, 127.0.0.1 by default; another 127.x address is another client. */
  from?: string;
  method?: "GET" | "POST";
  cookie?: string;
  headers?: Record<string, string>;
  /** Aborting it hangs up: the request is dropped mid-way, as a client that went away. */
  signal?: AbortSignal;
}

/** POSTs `body` as JSON (none when undefined), or GETs with `method: "GET"`; never follows redirects. */
export async function call(url: string, body?: unknown, init: CallInit = {}): Promise<SignInResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  const response = await undiciFetch(url, {
    method: init.method ?? "POST",
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
    dispatcher: agentFor(init.from ?? "127.0.0.1"),
    ...(init.signal && { signal: init.signal }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = json as Record<string, unknown> | undefined;
  rememberToken(parsed?.access_token);
  rememberSecret(parsed?.user_code);
  return {
    status: response.status,
    headers: response.headers as unknown as Headers,
    json,
    text,
    setCookies: response.headers.getSetCookie(),
  };
}

/** The cookie a Set-Cookie list sets, as `name=value` for a Cookie header. */
export function cookiePair(setCookies: string[], name: string): string | undefined {
  const line = setCookies.find((c) => c.startsWith(`${name}=`));
  return line?.split(";", 1)[0];
}

export async function closeAgents(): Promise<void> {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents.clear();
}
