// Alerts, live: acknowledge and resolve.
import { useEffect, useState } from "preact/hooks";
import { gql, live } from "../api";
import { Failure, nodes, Pager, Status, type Page } from "../components/common";
import { usePager, useQuery, useThrottled, when } from "../hooks";
import { plural } from "./fleet";

interface AlertRow {
  id: string;
  number: number;
  title: string;
  message: string;
  severity: string;
  status: string;
  source: string;
  createdAt: string;
  device: { name: string } | null;
}

const LIST = `query Alerts($first: Int, $after: String, $filter: AlertFilter) {
  alerts(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number title message severity status source createdAt device { name } } } } }`;
const CHANGES = `subscription AlertsChanged($afterSeq: Int!) { alertsChanged(afterSeq: $afterSeq) { seq } }`;
const ACK = `mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { __typename ... on Error { message } } }`;
const RESOLVE = `mutation Resolve($id: ID!) { resolveAlert(id: $id) { __typename ... on Error { message } } }`;

export function Alerts() {
  const [status, setStatus] = useState("");
  const filter = { status: status || null };
  const pager = usePager(status);
  const list = useQuery<{ alerts: Page<AlertRow> }>(LIST, { first: 50, after: pager.after, filter });
  const [error, setError] = useState<string | null>(null);
  const refresh = useThrottled(list.reload, 300);
  useEffect(() => {
    const stream = live(CHANGES, { afterSeq: -1 }, "alertsChanged", refresh);
    return () => stream.stop();
  }, [refresh]);

  const act = async (mutation: string, field: string, id: string) => {
    setError(null);
    try {
      const answer = await gql<Record<string, { message?: string }>>(mutation, { id });
      if (answer[field].message) setError(answer[field].message ?? null);
      list.reload();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const page = list.data?.alerts;
  return (
    <section>
      <h1>Alerts</h1>
      <div class="toolbar">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
            <option value="active">active</option>
            <option value="acknowledged">acknowledged</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <span class="muted">{page ? plural(page.totalCount, "alert") : ""}</span>
      </div>
      <Failure message={error ?? list.error} />
      <table>
        <thead>
          <tr>
            <th>Raised</th>
            <th>Severity</th>
            <th>Alert</th>
            <th>Device</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {nodes(page).map((a) => (
            <tr key={a.id}>
              <td>{when(a.createdAt)}</td>
              <td>
                <Status value={a.severity} />
              </td>
              <td>
                <strong>{a.title}</strong>
                <div class="muted">{a.message}</div>
              </td>
              <td>{a.device?.name ?? "—"}</td>
              <td>
                <Status value={a.status} />
              </td>
              <td>
                <button
                  type="button"
                  aria-label={`Acknowledge ${a.title}`}
                  disabled={a.status !== "active"}
                  onClick={() => act(ACK, "acknowledgeAlert", a.id)}
                >
                  Acknowledge
                </button>{" "}
                <button
                  type="button"
                  aria-label={`Resolve ${a.title}`}
                  disabled={a.status === "resolved"}
                  onClick={() => act(RESOLVE, "resolveAlert", a.id)}
                >
                  Resolve
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.totalCount === 0 && <p class="muted">No alerts.</p>}
      <Pager
        page={pager.page}
        hasNext={!!page?.pageInfo.hasNextPage}
        onPrevious={pager.previous}
        onNext={() => pager.next(page?.pageInfo.endCursor ?? null)}
      />
    </section>
  );
}
