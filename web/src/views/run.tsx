// Pick devices or a group, a command or a stored script, and start a run.
import { useState } from "preact/hooks";
import { gql } from "../api";
import { Choice, Failure, nodes, type Page } from "../components/common";
import { useDebounced, useQuery } from "../hooks";
import { go } from "../router";
import { useGroups } from "./fleet";

interface Pickable {
  id: string;
  name: string;
  address: string;
  status: string;
}

const DEVICES = `query Pick($filter: DeviceFilter) {
  devices(first: 200, filter: $filter) { totalCount edges { node { id name address status } } } }`;
const GROUP_DEVICES = `query GroupDevices($filter: DeviceFilter) {
  devices(first: 1000, filter: $filter) { edges { node { id } } } }`;
const SCRIPTS = `query Scripts { scripts(first: 500) { edges { node { id name description } } } }`;
const started = (success: string) =>
  `__typename ... on ${success} { execution { id } } ... on Error { message }`;
const RUN_COMMAND = `mutation RunCommand($deviceIds: [ID!]!, $command: String!, $timeout: Int!) {
  runCommand(deviceIds: $deviceIds, command: $command, timeout: $timeout) {
    ${started("RunCommandSuccess")} } }`;
const RUN_SCRIPT = `mutation RunScript($id: ID!, $deviceIds: [ID!], $groupId: ID, $timeout: Int!) {
  runScript(id: $id, deviceIds: $deviceIds, groupId: $groupId, timeout: $timeout) {
    ${started("RunScriptSuccess")} } }`;

interface Started {
  __typename: string;
  execution?: { id: string };
  message?: string;
}

export function Run({ device }: { device?: string }) {
  const [target, setTarget] = useState<"devices" | "group">("devices");
  const [action, setAction] = useState<"command" | "script">("command");
  const [picked, setPicked] = useState<Set<string>>(new Set(device ? [device] : []));
  const [group, setGroup] = useState("");
  const [command, setCommand] = useState("");
  const [script, setScript] = useState("");
  const [timeout, setTimeoutValue] = useState("60");
  const [search, setSearch] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const term = useDebounced(search.trim());
  const devices = useQuery<{ devices: Page<Pickable> }>(DEVICES, { filter: { search: term || null } });
  const scripts = useQuery<{ scripts: Page<{ id: string; name: string }> }>(SCRIPTS);
  const groups = useGroups();

  const toggle = (id: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  };

  const targets = async (): Promise<string[]> => {
    if (target === "devices") return [...picked];
    const found = await gql<{ devices: Page<{ id: string }> }>(GROUP_DEVICES, {
      filter: { groupId: group },
    });
    return nodes(found.devices).map((d) => d.id);
  };

  const start = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const seconds = Number.parseInt(timeout, 10);
    if (!Number.isFinite(seconds) || seconds < 1) return setError("Timeout must be a whole number of seconds, 1 or more");
    if (target === "devices" && picked.size === 0) return setError("Pick at least one device");
    if (target === "group" && !group) return setError("Pick a group");
    if (action === "command" && !command.trim()) return setError("Type a command");
    if (action === "script" && !script) return setError("Pick a script");
    setBusy(true);
    try {
      let answer: Started;
      if (action === "command") {
        const deviceIds = await targets();
        if (!deviceIds.length) throw new Error("The group has no devices");
        answer = (await gql<{ runCommand: Started }>(RUN_COMMAND, { deviceIds, command, timeout: seconds })).runCommand;
      } else {
        const where = target === "group" ? { groupId: group } : { deviceIds: [...picked] };
        answer = (await gql<{ runScript: Started }>(RUN_SCRIPT, { id: script, ...where, timeout: seconds })).runScript;
      }
      if (answer.execution) go("executions", answer.execution.id);
      else setError(answer.message ?? "The run was refused");
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const list = nodes(devices.data?.devices);
  return (
    <section>
      <h1>Run</h1>
      <form class="grid2" onSubmit={start}>
        <fieldset class="panel">
          <legend>Where</legend>
          <div class="toolbar">
            <label class="inline">
              <input type="radio" name="target" checked={target === "devices"} onChange={() => setTarget("devices")} />
              Devices
            </label>
            <label class="inline">
              <input type="radio" name="target" checked={target === "group"} onChange={() => setTarget("group")} />
              Group
            </label>
          </div>
          {target === "devices" ? (
            <>
              <label>
                Filter devices
                <input type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
              </label>
              <div class="pick" role="group" aria-label="Devices">
                {list.map((d) => (
                  <label key={d.id}>
                    <input
                      type="checkbox"
                      checked={picked.has(d.id)}
                      onChange={(e) => toggle(d.id, (e.target as HTMLInputElement).checked)}
                    />
                    {d.name}
                    <span class="muted"> {d.address}</span>
                  </label>
                ))}
                {!list.length && <p class="muted">No devices.</p>}
              </div>
              <p class="muted">{picked.size} picked</p>
            </>
          ) : (
            <Choice label="Group" value={group} onChange={setGroup} options={groups} none="Pick a group" />
          )}
        </fieldset>
        <fieldset class="panel">
          <legend>What</legend>
          <div class="toolbar">
            <label class="inline">
              <input type="radio" name="action" checked={action === "command"} onChange={() => setAction("command")} />
              Command
            </label>
            <label class="inline">
              <input type="radio" name="action" checked={action === "script"} onChange={() => setAction("script")} />
              Script
            </label>
          </div>
          {action === "command" ? (
            <label class="wide">
              Command
              <textarea value={command} onInput={(e) => setCommand((e.target as HTMLTextAreaElement).value)} />
            </label>
          ) : (
            <Choice
              label="Script"
              value={script}
              onChange={setScript}
              options={nodes(scripts.data?.scripts).map((s) => [s.id, s.name] as const)}
              none="Pick a script"
            />
          )}
          <div class="toolbar">
            <label>
              Timeout (s)
              <input type="number" min={1} value={timeout} onInput={(e) => setTimeoutValue((e.target as HTMLInputElement).value)} />
            </label>
            <button class="primary" type="submit" disabled={busy}>
              Start run
            </button>
          </div>
          <Failure message={error} />
        </fieldset>
      </form>
    </section>
  );
}
