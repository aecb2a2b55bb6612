"""Controller-side execution refused at save time, every variant, as an operator.

Through the Ansible Hub REST surface (422 with its error shape) and GraphQL
(union members); what runs anyway is covered by test_isolation_runs.py.
"""

from __future__ import annotations

from typing import Any

from app.db import Sessionmaker
from tests.ansible.runs import closed_port_inventory, store_inventory
from tests.conftest import RunningApp, TokenFactory

ALL = {"hosts": "all", "gather_facts": False}
TOUCH = "command: touch /tmp/opsgraph-isolation-marker"
KEY = "/var/lib/opsgraph/secret_key"  # a controller file; never read: refused at save
REFUSED = "Controller-side execution is not allowed"
PLAY_ATTACKS: dict[str, dict[str, Any]] = {
    "hosts localhost": {"hosts": "localhost"},
    "hosts 127.0.0.2 in a pattern": {"hosts": "web:127.0.0.2"},
    "hosts ::1": {"hosts": "::1"},
    "play connection local": {**ALL, "connection": "local"},
    "play var ansible_connection": {**ALL, "vars": {"ansible_connection": "local"}},
    "play vars_files": {**ALL, "vars_files": [KEY]},
}
TASK_ATTACKS = {
    "task connection local": f"{TOUCH}\nconnection: local",
    "delegate_to localhost": f"{TOUCH}\ndelegate_to: localhost",
    "delegate_to 127.0.0.1": f"{TOUCH}\ndelegate_to: 127.0.0.1",
    "delegate_to ::1": f"{TOUCH}\ndelegate_to: '::1'",
    "run_once delegated": f"{TOUCH}\nrun_once: true\ndelegate_to: 127.0.0.5",
    "local_action": "local_action: command touch /tmp/x",
    "lookup pipe": "debug:\n  msg: \"{{ lookup('pipe', 'touch /tmp/x') }}\"",
    "lookup file (signing key)": "debug:\n  msg: "
    f"\"{{{{ lookup('file', '{KEY}') }}}}\"",
    "query env": "debug:\n  msg: \"{{ query('env', 'HOME') }}\"",
    "q fileglob": "debug:\n  msg: \"{{ q('fileglob', '/etc/*') }}\"",
    "lookup fqcn": "debug:\n  msg: \"{{ lookup('ansible.builtin.pipe', 'id') }}\"",
    "lookup obfuscated": "debug:\n  msg: \"{{ lookup('pi' ~ 'pe', 'id') }}\"",
    "lookup via set": "debug:\n  msg: \"{% set l = lookup %}{{ l('pipe', 'id') }}\"",
    "lookup via vars": "debug:\n  msg: \"{{ vars['lookup']('pipe', 'id') }}\"",
    "lookup in when": "debug:\n  msg: x\nwhen: lookup('pipe', 'id') != ''",
    "lookup url": "debug:\n  msg: \"{{ lookup('url', 'http://127.0.0.1/') }}\"",
    "lookup password": "debug:\n  msg: \"{{ lookup('password', '/tmp/p') }}\"",
    "lookup template": "debug:\n  msg: \"{{ lookup('template', '/etc/hosts') }}\"",
    "lookup lines": "debug:\n  msg: \"{{ lookup('lines', 'id') }}\"",
    "lookup first_found": "debug:\n  msg: \"{{ lookup('first_found', ['/x']) }}\"",
    "lookup config": "debug:\n  msg: \"{{ lookup('config', 'DEFAULT_ROLES_PATH') }}\"",
    "with_pipe": 'debug:\n  msg: "{{ item }}"\nwith_pipe: id',
    "with_file": f"debug:\n  msg: \"{{{{ item }}}}\"\nwith_file: ['{KEY}']",
    "dunder attribute": "debug:\n  msg: \"{{ ''.__class__ }}\"",
    "fileglob filter": "debug:\n  msg: \"{{ '/etc/*' | fileglob }}\"",
    "ProxyCommand": "command: id\nvars:\n  ansible_ssh_common_args: "
    '"-o ProxyCommand=\'sh -c \\"touch /tmp/x\\"\'"',
    "LocalCommand": "command: id\nvars:\n  ansible_ssh_extra_args: "
    "-o PermitLocalCommand=yes -o LocalCommand=id",
    "KnownHostsCommand": "command: id\nvars:\n  ansible_ssh_args: "
    "-oKnownHostsCommand=/bin/id",
    "ssh -F": "command: id\nvars:\n  ansible_ssh_common_args: -F /tmp/cfg",
    "PKCS11Provider": "command: id\nvars:\n  ansible_ssh_extra_args: "
    "-o PKCS11Provider=/tmp/evil.so",
    "getopt cluster": "command: id\nvars:\n  ansible_ssh_extra_args: "
    "-vo ProxyCommand=id",
    "scp program": "command: id\nvars:\n  ansible_scp_extra_args: -S /bin/sh",
    "ssh executable": "command: id\nvars:\n  ansible_ssh_executable: /bin/sh",
    "python interpreter": "command: id\nvars:\n  ansible_python_interpreter: "
    "\"/bin/sh -c 'touch /tmp/x' #\"",
    "set_fact connection": "set_fact:\n  ansible_connection: local",
    "add_host local": "add_host: name=x ansible_connection=local",
    "copy src": f"copy:\n  src: {KEY}\n  dest: /tmp/key",
    "copy free form": f"copy: src={KEY} dest=/tmp/key",
    "action copy": f"action: copy src={KEY} dest=/tmp/key",
    "template": "template:\n  src: /etc/hosts\n  dest: /tmp/h",
    "script": "script: /tmp/evil.sh",
    "include_vars": f"include_vars: {KEY}",
    "fetch": "fetch:\n  src: /etc/hostname\n  dest: /tmp/",
    "include_tasks": "include_tasks: /tmp/tasks.yml",
    "block hides local_action": "block:\n  - local_action: command id",
}
HARMLESS = [
    "command: id\nvars:\n  ansible_ssh_common_args: "
    "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no",
    "debug:\n  msg: \"{{ lookup('vars', 'inventory_hostname') }}\"",
    'debug:\n  msg: "{{ item }}"\nwith_items: [1, 2]',
    "copy:\n  content: hello\n  dest: /tmp/hello",
    "copy: src=/etc/hosts dest=/tmp/h remote_src=true",
    "command: id\ndelegate_to: \"{{ groups['all'][0] }}\"",
    "debug:\n  msg: x\nwhen: x is defined",
]
INVENTORY_ATTACKS = {
    "host connection local": "h ansible_host=127.0.0.9 ansible_connection=local\n",
    "group vars": "[web]\nh ansible_host=127.0.0.9\n"
    "[web:vars]\nansible_connection=local\n",
    "all vars": "h ansible_host=127.0.0.9\n[all:vars]\nansible_connection = local\n",
    "ProxyCommand": "h ansible_host=127.0.0.9 "
    "ansible_ssh_common_args='-o ProxyCommand=\"sh -c id\"'\n",
    "LocalCommand": "h ansible_host=127.0.0.9\n[all:vars]\n"
    'ansible_ssh_extra_args="-o PermitLocalCommand=yes -o LocalCommand=id"\n',
    "KnownHostsCommand": "h ansible_ssh_args='-o KnownHostsCommand=/bin/id'\n",
    "ssh executable": "h ansible_ssh_executable=/bin/sh\n",
    "python interpreter": "h ansible_python_interpreter='/bin/sh -c id'\n",
    "lookup in a var": "h ansible_host=\"{{ lookup('pipe', 'id') }}\"\n",
}
EXTRA_VARS_ATTACKS: dict[str, dict[str, Any]] = {
    "connection": {"ansible_connection": "local"},
    "lookup": {"greeting": "{{ lookup('pipe', 'touch /tmp/x') }}"},
    "ProxyCommand": {"ansible_ssh_common_args": "-o ProxyCommand=id"},
}


async def _operator(make_user: TokenFactory) -> dict[str, str]:
    token = await make_user("olga", roles=("operator",))
    return {"Authorization": f"Bearer {token}"}


def _playbook(main: dict[str, Any], task: str = "command: id") -> dict[str, Any]:
    return {
        "name": "attack",
        "type": "Other",
        "main": main,
        "tasks": [{"enabled": True, "content": task}],
    }


def _not_refused(responses: dict[str, Any], code: str) -> dict[str, Any]:
    """The attacks whose answer is not the surface's refusal."""
    return {
        name: (r.status_code, r.text)
        for name, r in responses.items()
        if r.status_code != 422
        or r.json()["error"]["code"] != code
        or REFUSED not in r.json()["error"]["message"]
    }


class TestPlaybooksREST:
    async def test_every_play_and_task_variant_is_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await _operator(make_user)
        bodies = {name: _playbook(main) for name, main in PLAY_ATTACKS.items()}
        bodies |= {name: _playbook(ALL, task) for name, task in TASK_ATTACKS.items()}
        responses = {
            name: await app.http.post(
                "/api/playbooks", json={**body, "name": name}, headers=headers
            )
            for name, body in bodies.items()
        }
        assert _not_refused(responses, "PLAYBOOK_VALIDATION_ERROR") == {}
        listed = await app.http.get("/api/playbooks", headers=headers)
        assert listed.json()["data"]["pagination"]["total"] == 0

    async def test_harmless_tasks_and_ssh_options_are_kept(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await _operator(make_user)
        body = _playbook({"hosts": "web:&db", "gather_facts": False})
        body["tasks"] = [{"enabled": True, "content": task} for task in HARMLESS]
        response = await app.http.post("/api/playbooks", json=body, headers=headers)
        assert response.status_code == 201, response.text

    async def test_update_and_disabled_tasks_are_checked(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await _operator(make_user)
        created = await app.http.post(
            "/api/playbooks", json=_playbook(ALL), headers=headers
        )
        playbook_id = created.json()["data"]["id"]
        body = _playbook(ALL)
        body["tasks"].append({"enabled": False, "content": TASK_ATTACKS["lookup pipe"]})
        responses = {
            "disabled task": await app.http.put(
                f"/api/playbooks/{playbook_id}", json=body, headers=headers
            ),
            "main": await app.http.put(
                f"/api/playbooks/{playbook_id}",
                json={"main": {"hosts": "localhost"}},
                headers=headers,
            ),
        }
        assert _not_refused(responses, "PLAYBOOK_VALIDATION_ERROR") == {}


class TestInventoriesREST:
    async def test_host_group_and_all_vars_are_refused(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        headers = await _operator(make_user)
        responses = {
            name: await app.http.post(
                "/api/inventories",
                json={"name": name, "config": config},
                headers=headers,
            )
            for name, config in INVENTORY_ATTACKS.items()
        }
        assert _not_refused(responses, "INVALID_INVENTORY_CONFIG") == {}
        kept = (
            "h ansible_host=127.0.0.9 "
            "ansible_ssh_common_args='-o UserKnownHostsFile=/dev/null'\n"
        )
        created = await app.http.post(
            "/api/inventories", json={"name": "ok", "config": kept}, headers=headers
        )
        assert created.status_code == 201, created.text
        inventory_id = created.json()["data"]["id"]
        changed = await app.http.put(
            f"/api/inventories/{inventory_id}",
            json={"config": INVENTORY_ATTACKS["group vars"]},
            headers=headers,
        )
        assert _not_refused({"update": changed}, "INVALID_INVENTORY_CONFIG") == {}


class TestExecuteREST:
    async def test_extra_vars_and_a_missing_inventory_are_refused(
        self, app: RunningApp, db: Sessionmaker, make_user: TokenFactory
    ) -> None:
        headers = await _operator(make_user)
        created = await app.http.post(
            "/api/playbooks", json=_playbook(ALL), headers=headers
        )
        playbook_id = created.json()["data"]["id"]
        inventory_id = await store_inventory(db, closed_port_inventory())
        responses = {}
        for name, extra_vars in EXTRA_VARS_ATTACKS.items():
            body = {
                "playbook_ids": [playbook_id],
                "inventory_id": inventory_id,
                "extra_vars": extra_vars,
            }
            responses[name] = await app.http.post(
                "/api/playbooks/execute", json=body, headers=headers
            )
        responses["no inventory"] = await app.http.post(
            "/api/playbooks/execute",
            json={"playbook_ids": [playbook_id]},
            headers=headers,
        )
        assert _not_refused(responses, "PLAYBOOK_VALIDATION_ERROR") == {}


GQL_PLAYBOOK = """
mutation ($input: CreateAnsiblePlaybookInput!) {
  createAnsiblePlaybook(input: $input) {
    __typename ... on AnsiblePlaybookInvalid { message }
    ... on AnsiblePlaybookSuccess { playbook { id } }
  }
}
"""
GQL_INVENTORY = """
mutation ($config: String!) {
  createInventory(name: "gql", config: $config) {
    __typename ... on InvalidInventoryConfig { message }
  }
}
"""
GQL_EXECUTE = """
mutation ($input: ExecuteAnsiblePlaybooksInput!) {
  executeAnsiblePlaybooks(input: $input) {
    __typename ... on AnsibleJobInvalid { message }
  }
}
"""
GQL_WORKFLOW = """
mutation ($input: WorkflowInput!) {
  createWorkflow(input: $input) {
    __typename ... on InvalidWorkflow { message nodeId }
  }
}
"""
GQL_ALLOW = """
mutation { updateRuntimeSettings(input: {ansibleAllowControllerExecution: true}) {
  __typename ... on UpdateRuntimeSettingsSuccess {
    settings { ansibleAllowControllerExecution } } } }
"""


def _gql_playbook(main: dict[str, Any], task: str) -> dict[str, Any]:
    return {"input": _playbook(main, task)}


class TestGraphQL:
    async def test_each_face_answers_its_union_member(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("olga", roles=("operator",))
        found = await app.gql(
            GQL_PLAYBOOK, _gql_playbook(ALL, TASK_ATTACKS["local_action"]), token
        )
        assert found["data"]["createAnsiblePlaybook"]["__typename"] == (
            "AnsiblePlaybookInvalid"
        )
        inventory = await app.gql(
            GQL_INVENTORY, {"config": INVENTORY_ATTACKS["all vars"]}, token
        )
        assert inventory["data"]["createInventory"]["__typename"] == (
            "InvalidInventoryConfig"
        )
        created = await app.gql(GQL_PLAYBOOK, _gql_playbook(ALL, "command: id"), token)
        playbook_id = created["data"]["createAnsiblePlaybook"]["playbook"]["id"]
        execute = {
            "playbookIds": [playbook_id],
            "extraVars": {"x": "{{ q('env', 'A') }}"},
        }
        job = await app.gql(GQL_EXECUTE, {"input": execute}, token)
        assert (
            job["data"]["executeAnsiblePlaybooks"]["__typename"] == "AnsibleJobInvalid"
        )
        for answer in (found, inventory, job):
            assert REFUSED in str(answer["data"])

    async def test_workflow_ansible_node_without_inventory(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        token = await make_user("olga", roles=("operator",))
        nodes = [
            {"id": "go", "type": "trigger:manual", "data": {}},
            {"id": "play", "type": "playbook",
             "data": {"engine": "ansible", "playbook_ids": [1]}},
            {"id": "vars", "type": "playbook",
             "data": {"engine": "ansible", "playbook_ids": [1], "inventory_id": 1,
                      "extra_vars": EXTRA_VARS_ATTACKS["connection"]}},
        ]  # fmt: skip
        for node in nodes[1:]:
            graph = {"name": node["id"], "nodes": [nodes[0], node], "edges": []}
            body = await app.gql(GQL_WORKFLOW, {"input": graph}, token)
            answer = body["data"]["createWorkflow"]
            assert (answer["__typename"], answer["nodeId"]) == (
                "InvalidWorkflow",
                node["id"],
            )
            assert "controller-side execution is not allowed" in answer["message"]

    async def test_only_an_admin_allows_controller_execution(
        self, app: RunningApp, make_user: TokenFactory
    ) -> None:
        operator = await make_user("olga", roles=("operator",))
        refused = await app.gql(GQL_ALLOW, token=operator)
        assert refused["data"] is None
        assert "settings.settings.update" in refused["errors"][0]["message"]
        local = _gql_playbook({"hosts": "localhost"}, "command: id")
        before = await app.gql(GQL_PLAYBOOK, local, operator)
        assert before["data"]["createAnsiblePlaybook"]["__typename"] == (
            "AnsiblePlaybookInvalid"
        )
        allowed = await app.gql(GQL_ALLOW, token=await make_user())
        settings = allowed["data"]["updateRuntimeSettings"]["settings"]
        assert settings == {"ansibleAllowControllerExecution": True}
        after = await app.gql(GQL_PLAYBOOK, local, operator)
        assert after["data"]["createAnsiblePlaybook"]["__typename"] == (
            "AnsiblePlaybookSuccess"
        )
