// The console's only way to the server: /graphql over HTTP and graphql-ws.
import { createClient, type Client } from "graphql-ws";
import * as session from "./session";

export class GraphQLFailure extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Reply<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** What every sign-in mutation answers (login adds its TwoFactorRequired member). */
export const LOGIN_FIELDS = `__typename
  ... on LoginSuccess { accessToken refreshToken expiresAt user { username } }
  ... on Error { message }`;

interface LoginSuccess {
  __typename: "LoginSuccess";
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: { username: string };
}

/** Store a successful login as the session; anything else is returned untouched. */
export function adopt<T extends { __typename: string }>(payload: T): T {
  if (payload.__typename === "LoginSuccess") {
    const ok = payload as unknown as LoginSuccess;
    session.store({
      accessToken: ok.accessToken,
      refreshToken: ok.refreshToken,
      expiresAt: ok.expiresAt,
      username: ok.user.username,
    });
  }
  return payload;
}

let refreshing: Promise<boolean> | null = null;

/** Swap the refresh token for a new pair once, however many callers ask at once. */
export function refresh(): Promise<boolean> {
  const held = session.current();
  if (!held) return Promise.resolve(false);
  refreshing ??= post<{ refreshToken: { __typename: string } }>(
    `mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { ${LOGIN_FIELDS} } }`,
    { token: held.refreshToken },
    null,
  )
    .then((data) => {
      const ok = adopt(data.refreshToken).__typename === "LoginSuccess";
      if (!ok) session.store(null);
      return ok;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

const EARLY_MS = 30_000;

async function token(): Promise<string | null> {
  const held = session.current();
  if (!held) return null;
  if (Date.parse(held.expiresAt) - Date.now() < EARLY_MS) await refresh();
  return session.current()?.accessToken ?? null;
}

async function post<T>(
  query: string,
  variables: Record<string, unknown>,
  bearer: string | null,
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  let reply: Reply<T>;
  try {
    reply = (await response.json()) as Reply<T>;
  } catch {
    throw new GraphQLFailure(`The server answered ${response.status}`);
  }
  const first = reply.errors?.[0];
  if (first) throw new GraphQLFailure(first.message, first.extensions?.code);
  if (!reply.data) throw new GraphQLFailure(`The server answered ${response.status}`);
  return reply.data;
}

/** Run a query or mutation as the signed-in user; one refresh on an expired token. */
export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  try {
    return await post<T>(query, variables, await token());
  } catch (error) {
    const expired = error instanceof GraphQLFailure && error.code === "UNAUTHENTICATED";
    if (!expired || !session.current() || !(await refresh())) {
      if (expired) session.store(null);
      throw error;
    }
    return post<T>(query, variables, await token());
  }
}

/** Anonymous calls: login and the TOTP step. */
export function anonymous<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  return post<T>(query, variables, null);
}

let client: Client | null = null;
type Status = "connected" | "reconnecting";
const statusListeners = new Set<(status: Status) => void>();

/** Hear when the live connection drops and comes back (for a banner). */
export function onConnection(listener: (status: Status) => void): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

function announce(status: Status): void {
  for (const listener of statusListeners) listener(status);
}

function socket(): Client {
  client ??= createClient({
    url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`,
    lazy: true,
    // Resubscribing is done by `live` below, with the last seq it saw.
    retryAttempts: 0,
    connectionParams: async () => {
      const bearer = await token();
      return bearer ? { Authorization: `Bearer ${bearer}` } : {};
    },
    on: {
      connected: () => announce("connected"),
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4401) void refresh();
        if (code !== 1000) announce("reconnecting");
      },
    },
  });
  return client;
}

/** Forget the socket (after logging out) so the next one carries the new token. */
export function disconnect(): void {
  client?.dispose();
  client = null;
}

export interface Live {
  stop(): void;
}

interface Sequenced {
  seq?: number;
}

/**
 * Subscribe to a stream that resumes by `afterSeq`: after a dropped connection
 * (a sleeping laptop, a restarted API) it subscribes again after the last seq it
 * saw, so nothing is missed and nothing is seen twice. `onEnd` runs when the
 * server completes the stream.
 */
export function live<T>(
  query: string,
  variables: Record<string, unknown>,
  field: string,
  onItem: (item: T) => void,
  onEnd: () => void = () => {},
  onError: (message: string) => void = () => {},
): Live {
  const resumable = "afterSeq" in variables;
  let afterSeq = (variables.afterSeq as number | undefined) ?? 0;
  let stopped = false;
  let unsubscribe: (() => void) | null = null;
  let delay = 250;
  const start = () => {
    if (stopped) return;
    unsubscribe = socket().subscribe<Record<string, T>>(
      { query, variables: resumable ? { ...variables, afterSeq } : variables },
      {
        next: (result) => {
          delay = 250;
          if (result.errors?.length) {
            onError(result.errors[0].message);
            return;
          }
          const item = result.data?.[field];
          if (!item) return;
          const seq = (item as Sequenced).seq;
          if (typeof seq === "number") {
            if (seq <= afterSeq) return;
            afterSeq = seq;
          }
          onItem(item);
        },
        error: (error) => {
          if (stopped) return;
          if (!session.current()) return;
          const errors = error as { message?: string }[];
          if (Array.isArray(errors) && errors[0]?.message) {
            onError(errors[0].message);
            return;
          }
          setTimeout(start, delay);
          delay = Math.min(delay * 2, 5000);
        },
        complete: () => {
          if (!stopped) onEnd();
        },
      },
    );
  };
  start();
  return {
    stop() {
      stopped = true;
      unsubscribe?.();
    },
  };
}
