// Alerts, live: acknowledge and resolve.
import { useState } from "preact/hooks";
import { gql } from "../api";
import { Choice, Failure, Head, nodes, Pager, plural, Status, type Option, type Page } from "../components/common";
import { useLivePage, when } from "../hooks";

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
const CHANGES = {
  query: `subscription AlertsChanged($afterSeq: Int!) { alertsChanged(afterSeq: $afterSeq) { seq } }`,
  variables: { afterSeq: -1 },
  field: "alertsChanged",
};
const STATUSES: Option[] = ["active", "acknowledged", "resolved"].map((s) => [s, s]);
const ACK = `mutation Ack($id: ID!) { acknowledgeAlert(id: $id) { __typename ... on Error { message } } }`;
const RESOLVE = `mutation Resolve($id: ID!) { resolveAlert(id: $id) { __typename ... on Error { message } } }`;

export function Alerts() {
  const [status, setStatus] = useState("");
  const { list, pager } = useLivePage<{ alerts: Page<AlertRow> }>(LIST, { status: status || null }, 50, CHANGES, 300);
  const [error, setError] = useState<string | null>(null);

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
        <Choice label="Status" value={status} onChange={setStatus} options={STATUSES} none="All" />
        <span class="muted">{page ? plural(page.totalCount, "alert") : ""}</span>
      </div>
      <Failure message={error ?? list.error} />
      <table>
        <Head columns={["Raised", "Severity", "Alert", "Device", "Status", "Actions"]} />
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
      <Pager pager={pager} info={page?.pageInfo} />
    </section>
  );
}
