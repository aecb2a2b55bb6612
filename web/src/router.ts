// Hash routes (#/fleet, #/executions/<id>): the server serves one page at /.
import { useEffect, useState } from "preact/hooks";

export function path(): string[] {
  return location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [parts, setParts] = useState(path());
  useEffect(() => {
    const update = () => setParts(path());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return parts;
}

export function go(...parts: (string | number)[]): void {
  location.hash = `#/${parts.map((p) => encodeURIComponent(String(p))).join("/")}`;
}

export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join("/")}`;
}
