"""Graph validation on save: every refusal names the node at fault."""

from __future__ import annotations

from typing import Any

import pytest

from app.workflows import graph
from app.workflows.errors import InvalidWorkflowError


def node(node_id: str, kind: str = "delay", **data: Any) -> dict[str, Any]:
    if kind == "delay" and not data:
        data = {"seconds": 0}
    return {"id": node_id, "type": kind, "data": data}


def edge(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    return {
        "id": f"{source}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
    }


def refused(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Any:
    with pytest.raises(InvalidWorkflowError) as caught:
        graph.parse(nodes, edges)
    return caught.value


class TestParse:
    def test_valid_graph_is_normalised(self) -> None:
        nodes, edges = graph.parse(
            [node("t", "trigger:manual"), node("d")], [edge("t", "d")]
        )
        assert nodes == [
            {"id": "t", "type": "trigger:manual", "position": None, "data": {}},
            {"id": "d", "type": "delay", "position": None, "data": {"seconds": 0}},
        ]
        assert edges == [
            {
                "id": "t-d",
                "source": "t",
                "target": "d",
                "sourceHandle": None,
                "targetHandle": None,
            }
        ]

    def test_cycle_is_refused_naming_a_node_on_it(self) -> None:
        error = refused(
            [node("a", "trigger:manual"), node("b"), node("c"), node("d")],
            [edge("a", "b"), edge("b", "c"), edge("c", "d"), edge("d", "b")],
        )
        assert error.node_id in {"b", "c", "d"}
        assert (
            error.message
            == f"Node '{error.node_id}': the graph has a cycle through this node"
        )

    def test_self_loop_is_a_cycle(self) -> None:
        error = refused([node("a")], [edge("a", "a")])
        assert error.node_id == "a"

    def test_dangling_edge_names_the_missing_node(self) -> None:
        error = refused([node("a")], [edge("a", "ghost")])
        assert error.node_id == "ghost"
        assert "edge 'a-ghost' names a node that does not exist" in error.message

    def test_unknown_type_is_refused(self) -> None:
        error = refused([node("x", "teleport")], [])
        assert (error.node_id, error.message) == (
            "x",
            "Node 'x': unknown node type 'teleport'",
        )

    def test_scan_configs_are_checked_naming_node_and_field(self) -> None:
        error = refused([node("n", "scan", network="127.0.0.0/30")], [])
        assert (error.node_id, error.message) == (
            "n",
            "Node 'n': invalid config: targets: Field required",
        )
        error = refused([node("big", "scan", targets=["127.0.0.0/21"])], [])
        assert error.message == (
            "Node 'big': invalid config: targets: Value error, "
            "targets: more than 1024 addresses; narrow the targets"
        )
        error = refused([node("s", "scan", targets="127.0.0.1", scan_type="x")], [])
        assert error.message.startswith("Node 's': invalid config: scan_type:")
        error = refused(
            [node("o", "scan", targets="127.0.0.1", options={"snmp_port": 0})], []
        )
        assert error.message.startswith("Node 'o': invalid config: options.snmp_port")
        error = refused(
            [node("o", "scan", targets="127.0.0.1", options={"pnig": True})], []
        )
        assert error.message.startswith("Node 'o': invalid config: options.pnig")

    def test_scan_accepts_a_slash_22_strings_and_templates(self) -> None:
        nodes, _ = graph.parse(
            [
                node("a", "scan", targets="127.0.0.0/22, 127.1.0.1"),
                node("b", "scan", targets="{{ trigger.targets }}"),
                node(
                    "c",
                    "scan",
                    targets=["{{ trigger.target }}", "127.0.0.9"],
                    options={"snmp_port": "{{ vars.port }}", "ping": False},
                ),
            ],
            [],
        )
        assert nodes[0]["data"]["targets"] == "127.0.0.0/22, 127.1.0.1"

    def test_snmp_get_configs_are_checked(self) -> None:
        ok = {"host": "127.0.0.1", "community": "public", "oids": ["1.3.6.1.2.1.1.5.0"]}
        graph.parse([node("g", "snmp_get", **ok)], [])
        graph.parse(
            [node("g", "snmp_get", device_id=3, credential_id=2, oids=["{{ v }}"])], []
        )
        cases = {
            "oids: Value error, oids: 'sysName.0' is not a numeric OID": {
                **ok,
                "oids": ["sysName.0"],
            },
            "oids: List should have at least 1 item after validation, not 0": {
                **ok,
                "oids": [],
            },
            "config: Value error, give exactly one of host or device_id": {
                **ok,
                "device_id": 4,
            },
            "config: Value error, give exactly one of credential_id or community": {
                **ok,
                "credential_id": 1,
            },
            "port: Input should be less than or equal to 65535": {**ok, "port": 70000},
        }
        for message, data in cases.items():
            error = refused([node("get", "snmp_get", **data)], [])
            assert error.message == f"Node 'get': invalid config: {message}"

    def test_execution_node_configs_are_checked(self) -> None:
        error = refused([node("run", "command", command="uptime")], [])
        assert (error.node_id, error.message) == (
            "run",
            "Node 'run': invalid config: config: Value error, "
            "device_ids or group_id is required",
        )
        error = refused([node("s", "script", server_ids=[1])], [])
        assert error.message.startswith("Node 's': invalid config: script_id:")
        error = refused([node("p", "playbook", playbook_id=3, device_ids=[])], [])
        assert error.message == (
            "Node 'p': invalid config: config: Value error, "
            "playbook_id and device_ids are required"
        )
        error = refused(
            [node("p", "playbook", playbook_id=3, device_ids=[1], inventory_id=2)], []
        )
        assert error.message.endswith(
            "playbook_ids, inventory_id and extra_vars need engine 'ansible'"
        )
        error = refused([node("a", "playbook", engine="ansible", inventory_id=2)], [])
        assert error.message.endswith("playbook_ids (or playbook_id) is required")
        error = refused(
            [node("a", "playbook", engine="ansible", playbook_id=1, device_ids=[2])],
            [],
        )
        assert error.message.endswith("Ansible runs on inventory_id, not device_ids")
        error = refused([node("a", "playbook", engine="chef", playbook_id=1)], [])
        assert error.message.startswith("Node 'a': invalid config: engine:")

    def test_execution_nodes_accept_valid_and_templated_configs(self) -> None:
        nodes, _ = graph.parse(
            [
                node("c", "command", command="{{ vars.cmd }}", group_id=2),
                node("s", "script", script_id=1, server_ids="{{ vars.ids }}"),
                node("p", "playbook", playbook_id=3, device_ids=[4], timeout=5),
                node(
                    "a",
                    "playbook",
                    engine="ansible",
                    playbook_ids=[1, 2],
                    inventory_id="{{ trigger.inventory }}",
                    extra_vars={"who": "{{ vars.team }}"},
                ),
            ],
            [],
        )
        types = [n["type"] for n in nodes]
        assert types == ["command", "script", "playbook", "playbook"]

    def test_bad_config_names_node_and_field(self) -> None:
        error = refused([node("wait", "delay", seconds=-5)], [])
        assert error.node_id == "wait"
        assert error.message.startswith("Node 'wait': invalid config: seconds:")

    def test_unknown_config_key_is_refused(self) -> None:
        error = refused([node("p", "ping", host="h", prot=22)], [])
        assert "prot" in error.message

    def test_bad_cron_in_trigger(self) -> None:
        error = refused([node("t", "trigger:cron", cron_expression="61 * * * *")], [])
        assert error.node_id == "t"
        assert "invalid cron expression" in error.message

    def test_templated_value_is_checked_after_rendering_not_on_save(self) -> None:
        nodes, _ = graph.parse(
            [node("p", "ping", host="{{ trigger.host }}", port="{{ vars.port }}")], []
        )
        assert nodes[0]["data"]["port"] == "{{ vars.port }}"

    def test_malformed_template_is_refused(self) -> None:
        error = refused([node("p", "ping", host="{{ trigger.host ")], [])
        assert error.node_id == "p"
        assert "bad template" in error.message

    def test_bad_condition_expression(self) -> None:
        error = refused([node("c", "condition", expression="1 +")], [])
        assert error.node_id == "c"

    def test_true_handle_only_from_condition(self) -> None:
        error = refused([node("a"), node("b")], [edge("a", "b", "true")])
        assert error.node_id == "a"
        assert "only condition nodes" in error.message

    def test_unknown_handle(self) -> None:
        error = refused([node("a"), node("b")], [edge("a", "b", "sometimes")])
        assert error.node_id == "a"

    def test_duplicate_node_id(self) -> None:
        error = refused([node("a"), node("a")], [])
        assert error.message == "Node 'a': duplicate node id"

    def test_node_without_type(self) -> None:
        error = refused([{"id": "lonely"}], [])
        assert error.node_id == "lonely"
