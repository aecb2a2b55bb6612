// The shell: login gate, navigation, the live-connection banner and the routes.
import { useEffect, useState } from "preact/hooks";
import { disconnect, gql, onConnection } from "./api";
import { href, useRoute } from "./router";
import * as session from "./session";
import { Alerts } from "./views/alerts";
import { DevicePage, Fleet } from "./views/fleet";
import { ExecutionPage, Executions } from "./views/executions";
import { Login } from "./views/login";
import { Run } from "./views/run";
import { ScanPage, Scans } from "./views/scans";

const SECTIONS = [
  ["fleet", "Fleet"],
  ["run", "Run"],
  ["executions", "Executions"],
  ["scans", "Scans"],
  ["alerts", "Alerts"],
] as const;

export function App() {
  const [user, setUser] = useState(session.current());
  useEffect(() => session.onChange(setUser), []);
  if (!user) return <Login />;
  return <Shell username={user.username} />;
}

function Shell({ username }: { username: string }) {
  const route = useRoute();
  const [offline, setOffline] = useState(false);
  useEffect(() => onConnection((status) => setOffline(status === "reconnecting")), []);
  const section = route[0] ?? "fleet";
  useEffect(() => {
    document.title = `OpsGraph · ${section}`;
  }, [section]);
  const logout = async () => {
    try {
      await gql("mutation { logout { __typename } }");
    } finally {
      disconnect();
      session.store(null);
    }
  };
  return (
    <>
      <header class="shell">
        <span class="brand">OpsGraph</span>
        <nav aria-label="Main">
          {SECTIONS.map(([key, label]) => (
            <a key={key} href={href(key)} aria-current={section === key || (key === "fleet" && section === "devices") ? "page" : undefined}>
              {label}
            </a>
          ))}
          <a href="/graphql">GraphiQL</a>
        </nav>
        <span class="who">
          <span>
            Signed in as <strong>{username}</strong>
          </span>
          <button type="button" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      {offline && (
        <div class="banner" role="status">
          Connection lost: reconnecting, live views resume where they stopped
        </div>
      )}
      <main>{page(route)}</main>
    </>
  );
}

function page(route: string[]) {
  const [section, id] = route;
  switch (section) {
    case "devices":
      return id ? <DevicePage id={id} /> : <Fleet />;
    case "run":
      return <Run device={id} />;
    case "executions":
      return id ? <ExecutionPage id={id} /> : <Executions />;
    case "scans":
      return id ? <ScanPage id={id} /> : <Scans />;
    case "alerts":
      return <Alerts />;
    default:
      return <Fleet />;
  }
}
