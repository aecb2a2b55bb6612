// Devices with their status, search, a group filter and paging; one device's page.
import { useState } from "preact/hooks";
import { Choice, Failure, Head, nodes, Pager, plural, Status, type Option, type Page } from "../components/common";
import { useDebounced, useLivePage, useQuery, when } from "../hooks";
import { href } from "../router";

interface DeviceRow {
  id: string;
  number: number;
  name: string;
  address: string;
  port: number;
  deviceType: string;
  status: string;
  healthStatus: string;
  lastSeen: string | null;
}

const PAGE = 25;
const DEVICES = `query Fleet($first: Int, $after: String, $filter: DeviceFilter) {
  devices(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number name address port deviceType status healthStatus lastSeen } } } }`;
const GROUPS = `query Groups { deviceGroups(first: 500) { edges { node { id name } } } }`;
const CHANGES = {
  query: `subscription FleetChanges($afterSeq: Int!) { devicesChanged(afterSeq: $afterSeq) { seq } }`,
  variables: { afterSeq: -1 },
  field: "devicesChanged",
};

/** Every group, as choices of a select. */
export function useGroups(): Option[] {
  const groups = useQuery<{ deviceGroups: Page<{ id: string; name: string }> }>(GROUPS);
  return nodes(groups.data?.deviceGroups).map((g) => [g.id, g.name] as const);
}

export function Fleet() {
  const [search, setSearch] = useState("");
  const [group, setGroup] = useState("");
  const term = useDebounced(search.trim());
  const filter = { search: term || null, groupId: group || null };
  const { list: devices, pager } = useLivePage<{ devices: Page<DeviceRow> }>(DEVICES, filter, PAGE, CHANGES);
  const groups = useGroups();
  const page = devices.data?.devices;
  return (
    <section>
      <h1>Fleet</h1>
      <div class="toolbar">
        <label>
          Search devices
          <input
            type="search"
            value={search}
            placeholder="name, address…"
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
        </label>
        <Choice label="Group" value={group} onChange={setGroup} options={groups} none="All groups" />
        <span class="muted" aria-live="polite">
          {page ? plural(page.totalCount, "device") : devices.loading ? "Loading…" : ""}
        </span>
      </div>
      <Failure message={devices.error} />
      <table>
        <Head columns={["Name", "Address", "Type", "Status", "Health", "Last seen"]} />
        <tbody>
          {nodes(page).map((d) => (
            <tr key={d.id}>
              <td>
                <a href={href("devices", d.id)}>{d.name}</a>
              </td>
              <td>
                {d.address}:{d.port}
              </td>
              <td>{d.deviceType}</td>
              <td>
                <Status value={d.status} />
              </td>
              <td>
                <Status value={d.healthStatus} />
              </td>
              <td>{when(d.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.totalCount === 0 && <p class="muted">No devices match.</p>}
      <Pager pager={pager} info={page?.pageInfo} />
    </section>
  );
}

interface DeviceDetail extends DeviceRow {
  hostname: string;
  description: string;
  vendor: string | null;
  model: string | null;
  softwareVersion: string | null;
  healthMessage: string | null;
  uptimeSeconds: number | null;
  load1min: number | null;
  diskUsage: number | null;
  memoryUsage: number | null;
  lastHealthCheck: string | null;
  groups: Page<{ id: string; name: string }>;
}

interface RunRow {
  id: string;
  number: number;
  kind: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
}

const DEVICE = `query Device($id: ID!) {
  device(id: $id) { id number name hostname address port deviceType status healthStatus
    healthMessage lastSeen description vendor model softwareVersion uptimeSeconds load1min
    diskUsage memoryUsage lastHealthCheck groups(first: 50) { edges { node { id name } } } }
  executions(first: 10, filter: { deviceId: $id }) {
    edges { node { id number kind status createdAt completedAt } } } }`;

function percent(value: number | null): string {
  return value === null ? "—" : `${value.toFixed(1)}%`;
}

export function DevicePage({ id }: { id: string }) {
  const found = useQuery<{ device: DeviceDetail | null; executions: Page<RunRow> }>(DEVICE, { id });
  const device = found.data?.device;
  if (found.error) return <Failure message={found.error} />;
  if (!found.data) return <p class="muted">Loading…</p>;
  if (!device) return <Failure message="No such device (it may have been deleted)." />;
  return (
    <section>
      <p>
        <a href={href("fleet")}>← Fleet</a>
      </p>
      <h1>{device.name}</h1>
      <div class="grid2">
        <div class="panel">
          <dl class="kv">
            <dt>Address</dt>
            <dd>
              {device.address}:{device.port}
            </dd>
            <dt>Status</dt>
            <dd>
              <Status value={device.status} />
            </dd>
            <dt>Type</dt>
            <dd>{device.deviceType}</dd>
            <dt>Vendor / model</dt>
            <dd>{[device.vendor, device.model, device.softwareVersion].filter(Boolean).join(" ") || "—"}</dd>
            <dt>Groups</dt>
            <dd>{nodes(device.groups).map((g) => g.name).join(", ") || "—"}</dd>
            <dt>Last seen</dt>
            <dd>{when(device.lastSeen)}</dd>
          </dl>
          <h2>Health</h2>
          <dl class="kv">
            <dt>Health</dt>
            <dd>
              <Status value={device.healthStatus} /> {device.healthMessage}
            </dd>
            <dt>Uptime</dt>
            <dd>{device.uptimeSeconds === null ? "—" : `${Math.round(device.uptimeSeconds / 3600)} h`}</dd>
            <dt>Load (1 min)</dt>
            <dd>{device.load1min ?? "—"}</dd>
            <dt>Memory</dt>
            <dd>{percent(device.memoryUsage)}</dd>
            <dt>Disk</dt>
            <dd>{percent(device.diskUsage)}</dd>
            <dt>Checked</dt>
            <dd>{when(device.lastHealthCheck)}</dd>
          </dl>
        </div>
        <div>
          <h2>Recent runs</h2>
          <RunTable runs={nodes(found.data.executions)} />
          <p>
            <a href={href("run", device.id)}>Run a command here</a>
          </p>
        </div>
      </div>
    </section>
  );
}

export function RunTable({ runs }: { runs: RunRow[] }) {
  if (!runs.length) return <p class="muted">No runs yet.</p>;
  return (
    <table>
      <Head columns={["Run", "Kind", "Status", "Started", "Finished"]} />
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <a href={href("executions", run.id)}>#{run.number}</a>
            </td>
            <td>{run.kind}</td>
            <td>
              <Status value={run.status} />
            </td>
            <td>{when(run.createdAt)}</td>
            <td>{when(run.completedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export type { RunRow };
