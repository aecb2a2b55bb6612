// GraphiQL served by OpsGraph itself (GET /graphql in a browser): every script,
// style and font comes from /ui/assets/, so it works with no internet access.
// It signs requests with the console's session (localStorage "opsgraph.session").
import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createClient, type Client } from "graphql-ws";
import { createElement as h, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import "./graphiql.css";

const SESSION_KEY = "opsgraph.session";

interface Session {
  accessToken: string;
  expiresAt: string;
  username: string;
}

function currentSession(): Session | null {
  const raw = localStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Partial<Session>;
    return session.accessToken ? (session as Session) : null;
  } catch {
    return null;
  }
}

function expired(session: Session): boolean {
  const at = Date.parse(session.expiresAt);
  return !Number.isNaN(at) && at <= Date.now();
}

// An expired token would only earn "invalid token" errors: send none, so the
// bar's hint and a header typed into the Headers tab apply instead.
function authorization(session: Session | null): Record<string, string> {
  if (!session || expired(session)) return {};
  return { Authorization: `Bearer ${session.accessToken}` };
}

function subscriptionUrl(): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

function makeFetcher(session: Session | null): { fetcher: Fetcher; ws: Client } {
  const ws = createClient({
    url: subscriptionUrl(),
    connectionParams: authorization(session),
  });
  const fetcher = createGraphiQLFetcher({
    url: "/graphql",
    headers: authorization(session),
    wsClient: ws,
  });
  return { fetcher, ws };
}

const consoleLink = h("a", { href: "/" }, "Console");

function bar(session: Session | null): ReactNode {
  if (session && !expired(session)) {
    return h(
      "div",
      { className: "opsgraph-bar", role: "status" },
      h("span", null, "Signed in as ", h("strong", null, session.username)),
      consoleLink,
    );
  }
  const why = session ? "Session expired" : "Not logged in";
  return h(
    "div",
    { className: "opsgraph-bar anonymous", role: "status" },
    h(
      "span",
      null,
      `${why}: log in at the `,
      h("a", { href: "/" }, "console (/)"),
      " or add an ",
      h("code", null, "Authorization: Bearer <token>"),
      " header in the Headers tab",
    ),
  );
}

const root = createRoot(document.getElementById("graphiql-page")!);
let active: Client | null = null;

function render(): void {
  const session = currentSession();
  const { fetcher, ws } = makeFetcher(session);
  void active?.dispose();
  active = ws;
  root.render([
    h("div", { key: "bar" }, bar(session)),
    h("div", { key: "ide", className: "opsgraph-ide" }, h(GraphiQL, { fetcher })),
  ]);
}

// Logging in or out in the console (another tab) re-signs this page's requests.
window.addEventListener("storage", (event) => {
  if (event.key === SESSION_KEY) render();
});
render();
