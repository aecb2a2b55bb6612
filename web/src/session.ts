// The signed-in session, kept in localStorage so GraphiQL (graphiql.html) uses it too.

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  username: string;
}

const KEY = "opsgraph.session";
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

export function current(): Session | null {
  const raw = localStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

export function store(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener(session);
}

export function onChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab logging in or out changes this one too.
window.addEventListener("storage", (event) => {
  if (event.key === KEY) for (const listener of listeners) listener(current());
});
