// Start a discovery scan; every scan's progress live; one scan's targets and finds.
import { useEffect, useState } from "preact/hooks";
import { gql, live } from "../api";
import { Failure, Head, nodes, Pager, Status, type Page } from "../components/common";
import { useLivePage, useQuery, useThrottled, when } from "../hooks";
import { go, href } from "../router";

interface ScanRow {
  id: string;
  type: string;
  targets: string[];
  status: string;
  progress: number;
  totalTargets: number;
  completedTargets: number;
  discoveredDevices: number;
  error: string | null;
  startedAt: string;
  completedAt: string | null;
}

const FIELDS = "id type targets status progress totalTargets completedTargets discoveredDevices error startedAt completedAt";
const LIST = `query Scans($first: Int, $after: String, $filter: ScanFilter) {
  scans(first: $first, after: $after, filter: $filter) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ${FIELDS} } } } }`;
const CHANGES = {
  query: `subscription ScansChanged($afterSeq: Int!) { scansChanged(afterSeq: $afterSeq) { seq } }`,
  variables: { afterSeq: -1 },
  field: "scansChanged",
};
const START = `mutation StartScan($input: StartScanInput!) { startScan(input: $input) {
  __typename ... on StartScanSuccess { scan { id } } ... on Error { message } } }`;

export function Scans() {
  const [targets, setTargets] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { list, pager } = useLivePage<{ scans: Page<ScanRow> }>(LIST, {}, 25, CHANGES);

  const start = async (event: Event) => {
    event.preventDefault();
    const wanted = targets.split(/[\s,]+/).filter(Boolean);
    if (!wanted.length) return setError("Name at least one address, range or CIDR");
    setBusy(true);
    setError(null);
    try {
      const answer = await gql<{ startScan: { scan?: { id: string }; message?: string } }>(START, {
        input: { targets: wanted, type: "discovery" },
      });
      if (answer.startScan.scan) go("scans", answer.startScan.scan.id);
      else setError(answer.startScan.message ?? "The scan was refused");
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const page = list.data?.scans;
  return (
    <section>
      <h1>Scans</h1>
      <form class="panel toolbar" onSubmit={start}>
        <label class="wide">
          Targets
          <textarea
            value={targets}
            placeholder="one address, range or CIDR per line (or comma separated)"
            onInput={(e) => setTargets((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <button class="primary" type="submit" disabled={busy}>
          Start scan
        </button>
        <Failure message={error} />
      </form>
      <h2>Recent scans</h2>
      <Failure message={list.error} />
      <table>
        <Head columns={["Started", "Targets", "Status", "Progress", "Found"]} />
        <tbody>
          {nodes(page).map((s) => (
            <tr key={s.id}>
              <td>
                <a href={href("scans", s.id)}>{when(s.startedAt)}</a>
              </td>
              <td>{s.targets.join(", ")}</td>
              <td>
                <Status value={s.status} />
              </td>
              <td>
                {s.completedTargets}/{s.totalTargets} ({s.progress}%)
              </td>
              <td>{s.discoveredDevices}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager pager={pager} info={page?.pageInfo} />
    </section>
  );
}

interface ProgressEvent {
  seq: number;
  type: string;
  status: string;
  progress: number;
  totalTargets: number;
  completedTargets: number;
  discoveredDevices: number;
  address: string | null;
}

interface Result {
  id: string;
  address: string;
  hostname: string | null;
  reachable: boolean;
  discovered: boolean;
  method: string;
  latencyMs: number | null;
  openPorts: number[];
  deviceId: string | null;
}

const SCAN = `query Scan($id: ID!) { scan(id: $id) { ${FIELDS} }
  scanResults(scanId: $id, first: 1000) { edges { node {
    id address hostname reachable discovered method latencyMs openPorts deviceId } } } }`;
const PROGRESS = `subscription ScanProgress($id: ID!, $afterSeq: Int!) {
  scanProgress(scanId: $id, afterSeq: $afterSeq) {
    seq type status progress totalTargets completedTargets discoveredDevices address } }`;
const CANCEL = `mutation CancelScan($id: ID!) { cancelScan(id: $id) { __typename ... on Error { message } } }`;

export function ScanPage({ id }: { id: string }) {
  const found = useQuery<{ scan: ScanRow | null; scanResults: Page<Result> }>(SCAN, { id });
  const [now, setNow] = useState<ProgressEvent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useThrottled(found.reload, 500);
  useEffect(() => {
    const stream = live<ProgressEvent>(
      PROGRESS,
      { id, afterSeq: 0 },
      "scanProgress",
      (event) => {
        setNow(event);
        if (event.address || event.status !== "running") refresh();
      },
      refresh,
      setError,
    );
    return () => stream.stop();
  }, [id, refresh]);
  const scan = found.data?.scan;
  if (found.error) return <Failure message={found.error} />;
  if (!found.data) return <p class="muted">Loading…</p>;
  if (!scan) return <Failure message="No such scan." />;
  const status = now?.status ?? scan.status;
  const results = nodes(found.data.scanResults);
  const cancel = async () => {
    const answer = await gql<{ cancelScan: { message?: string } }>(CANCEL, { id });
    if (answer.cancelScan.message) setError(answer.cancelScan.message);
  };
  return (
    <section>
      <p>
        <a href={href("scans")}>← Scans</a>
      </p>
      <h1>Scan</h1>
      <div class="toolbar">
        <span>
          Status: <Status value={status} label="Scan status" />
        </span>
        <label class="inline">
          <progress aria-label="Scan progress" max={100} value={now?.progress ?? scan.progress} />
          {now?.completedTargets ?? scan.completedTargets} of {now?.totalTargets ?? scan.totalTargets} targets
        </label>
        <span>{now?.discoveredDevices ?? scan.discoveredDevices} found</span>
        <button type="button" onClick={cancel} disabled={status !== "running" && status !== "pending"}>
          Cancel scan
        </button>
      </div>
      <p class="muted">Targets: {scan.targets.join(", ")}</p>
      <Failure message={error ?? scan.error} />
      <div class="grid2">
        <div>
          <h2 id="found">Devices found</h2>
          <ul aria-labelledby="found">
            {results
              .filter((r) => r.discovered)
              .map((r) => (
                <li key={r.id}>
                  {r.deviceId ? <a href={href("devices", r.deviceId)}>{r.address}</a> : r.address}{" "}
                  <span class="muted">{r.hostname ?? ""}</span>
                </li>
              ))}
          </ul>
        </div>
        <div>
          <h2>Targets checked</h2>
          <table>
            <Head columns={["Address", "Reachable", "Method", "Latency", "Open ports"]} />
            <tbody>
              {results.map((r) => (
                <tr key={r.id}>
                  <td>{r.address}</td>
                  <td>{r.reachable ? "yes" : "no"}</td>
                  <td>{r.method}</td>
                  <td>{r.latencyMs === null ? "—" : `${r.latencyMs.toFixed(1)} ms`}</td>
                  <td>{r.openPorts.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
