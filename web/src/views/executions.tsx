// The executions list (live) and one run: hosts, progress, ETA and its output,
// live while it runs and replayed from storage once it has finished.
import { useEffect, useMemo, useState } from "preact/hooks";
import { gql, live } from "../api";
import { Choice, Failure, Head, Pager, plural, Status, nodes, type Option, type Page } from "../components/common";
import { download, OutputStore, OutputView } from "../components/output";
import { useLivePage, useQuery, when } from "../hooks";
import { RunTable, type RunRow } from "./fleet";

const PAGE = 25;
const STATUSES: Option[] = ["pending", "running", "completed", "failed", "cancelled"].map((s) => [s, s]);
const KINDS: Option[] = [
  ["command", "command"],
  ["script", "script"],
  ["opmas_playbook", "step playbook"],
  ["ansible", "Ansible"],
];
const LIST = `query Executions($first: Int, $after: String, $filter: ExecutionFilterInput) {
  executions(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number kind status createdAt completedAt } } } }`;
const CHANGED = `subscription ExecutionsChanged($filter: ExecutionFilterInput) {
  executionsChanged(filter: $filter) { id status } }`;

export function Executions() {
  const [status, setStatus] = useState("");
  const [kind, setKind] = useState("");
  const filter = { status: status ? [status] : null, kind: kind || null };
  const changes = { query: CHANGED, variables: { filter }, field: "executionsChanged" };
  const { list, pager } = useLivePage<{ executions: Page<RunRow> }>(LIST, filter, PAGE, changes, 500);
  const page = list.data?.executions;
  return (
    <section>
      <h1>Executions</h1>
      <div class="toolbar">
        <Choice label="Status" value={status} onChange={setStatus} options={STATUSES} none="All" />
        <Choice label="Kind" value={kind} onChange={setKind} options={KINDS} none="All" />
        <span class="muted">{page ? plural(page.totalCount, "run") : ""}</span>
      </div>
      <Failure message={list.error} />
      <RunTable runs={nodes(page)} />
      <Pager pager={pager} info={page?.pageInfo} />
    </section>
  );
}

interface HostState {
  host: string;
  status: string;
  exitCode: number | null;
  error: string | null;
}

interface Detail {
  id: string;
  number: number;
  kind: string;
  status: string;
  errorMessage: string | null;
  hostsTotal: number;
  hostsDone: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  hosts: HostState[];
}

interface Progress {
  status: string;
  hostsDone: number;
  hostsTotal: number;
  percent: number;
  etaSeconds: number | null;
}

interface RunEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

const DETAIL = `query Execution($id: ID!) { execution(id: $id) { id number kind status errorMessage
  hostsTotal hostsDone createdAt startedAt completedAt hosts { host status exitCode error } } }`;
const EVENTS = `subscription Events($id: ID!, $afterSeq: Int!) {
  executionEvents(executionId: $id, afterSeq: $afterSeq) { seq type data } }`;
const PROGRESS = `subscription Progress($id: ID!) {
  executionProgress(executionId: $id) { status hostsDone hostsTotal percent etaSeconds } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelExecution(id: $id) { __typename ... on Error { message } } }`;
const TERMINAL = new Set(["completed", "failed", "cancelled"]);

function eta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

/** Apply one stored or live event to the page's state. */
function apply(event: RunEvent, store: OutputStore, hosts: Map<string, HostState>): string | null {
  const data = event.data;
  switch (event.type) {
    case "output":
      store.add(String(data.host), String(data.stream), (data.lines as string[]) ?? []);
      return null;
    case "host":
      hosts.set(String(data.host), {
        host: String(data.host),
        status: String(data.status),
        exitCode: (data.exit_code as number | null) ?? null,
        error: (data.error as string | null) ?? null,
      });
      return null;
    case "status":
      if (data.error_message) store.note(`run ${String(data.status)}: ${String(data.error_message)}`);
      return String(data.status);
    case "step":
      if (data.status === "running") store.note(`step ${Number(data.index) + 1}: ${String(data.type ?? "")} ${String(data.action ?? "")}`);
      return null;
    default:
      store.note(`[${event.type}]`);
      return null;
  }
}

export function ExecutionPage({ id }: { id: string }) {
  const detail = useQuery<{ execution: Detail | null }>(DETAIL, { id });
  const store = useMemo(() => new OutputStore(), [id]);
  const [hosts, setHosts] = useState<Map<string, HostState>>(new Map());
  const [status, setStatus] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    store.clear();
    const known = new Map<string, HostState>();
    const showHosts = () => setHosts(new Map(known));
    let frame = 0;
    const events = live<RunEvent>(EVENTS, { id, afterSeq: 0 }, "executionEvents", (event) => {
      const next = apply(event, store, known);
      if (next) setStatus(next);
      if (event.type === "host" && !frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          showHosts();
        });
      }
    }, undefined, setError);
    const progressStream = live<Progress>(PROGRESS, { id }, "executionProgress", setProgress);
    return () => {
      events.stop();
      progressStream.stop();
      cancelAnimationFrame(frame);
    };
  }, [id, store]);

  const run = detail.data?.execution;
  if (detail.error) return <Failure message={detail.error} />;
  if (!detail.data) return <p class="muted">Loading…</p>;
  if (!run) return <Failure message="No such execution." />;
  const now = status ?? progress?.status ?? run.status;
  const finished = TERMINAL.has(now);
  const rows = hosts.size ? [...hosts.values()] : run.hosts;
  const done = progress?.hostsDone ?? run.hostsDone;
  const total = progress?.hostsTotal ?? run.hostsTotal;

  const cancel = async () => {
    setCancelling(true);
    try {
      const answer = await gql<{ cancelExecution: { __typename: string; message?: string } }>(CANCEL, { id });
      if (answer.cancelExecution.message) setError(answer.cancelExecution.message);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section>
      <h1>Execution #{run.number}</h1>
      <div class="toolbar">
        <span>
          Status: <Status value={now} label="Run status" />
        </span>
        <label class="inline">
          <progress aria-label="Progress" max={100} value={finished ? 100 : (progress?.percent ?? 0)} />
          {done} of {total} hosts
        </label>
        <span>ETA {finished ? "—" : eta(progress?.etaSeconds)}</span>
        <span class="muted">
          {run.kind} · started {when(run.startedAt ?? run.createdAt)}
        </span>
        <button type="button" onClick={cancel} disabled={finished || cancelling}>
          Cancel run
        </button>
        <button type="button" onClick={() => download(`execution-${run.number}.log`, store.text())}>
          Download output
        </button>
      </div>
      <Failure message={error ?? run.errorMessage} />
      <table aria-label="Hosts">
        <Head columns={["Host", "Status", "Exit code", "Error"]} />
        <tbody>
          {rows.map((h) => (
            <tr key={h.host}>
              <td>{h.host}</td>
              <td>
                <Status value={h.status} />
              </td>
              <td>{h.exitCode ?? "—"}</td>
              <td>{h.error ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Output</h2>
      <OutputView store={store} />
    </section>
  );
}
