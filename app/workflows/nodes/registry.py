"""Every node type by name."""

from __future__ import annotations

from app.workflows.nodes import basic, execution, network, notify, scans
from app.workflows.nodes.base import NodeType
from app.workflows.nodes.configs import (
    BirunTriggerConfig,
    CommandConfig,
    ConditionConfig,
    CronTriggerConfig,
    DelayConfig,
    EventTriggerConfig,
    HttpRequestConfig,
    OpenConfig,
    PingConfig,
    PlaybookConfig,
    ScriptConfig,
    SetVariableConfig,
)

NODE_TYPES: dict[str, NodeType] = {
    t.name: t
    for t in (
        NodeType("trigger", BirunTriggerConfig, basic.run_trigger),
        NodeType("trigger:manual", OpenConfig, basic.run_trigger),
        NodeType("trigger:cron", CronTriggerConfig, basic.run_trigger),
        NodeType("trigger:event", EventTriggerConfig, basic.run_trigger),
        NodeType("condition", ConditionConfig, basic.run_condition),
        NodeType("delay", DelayConfig, basic.run_delay),
        NodeType("set_variable", SetVariableConfig, basic.run_set_variable),
        NodeType(
            "http_request",
            HttpRequestConfig,
            network.run_http_request,
            touches_hosts=True,
        ),
        NodeType("ping", PingConfig, network.run_ping, touches_hosts=True),
        NodeType("script", ScriptConfig, execution.run_script, touches_hosts=True),
        NodeType("command", CommandConfig, execution.run_command, touches_hosts=True),
        NodeType(
            "playbook", PlaybookConfig, execution.run_playbook, touches_hosts=True
        ),
        NodeType(
            "scan",
            scans.ScanConfig,
            scans.run_scan,
            touches_hosts=True,
            preview=scans.preview_scan,
        ),
        NodeType(
            "snmp_get",
            scans.SnmpGetConfig,
            scans.run_snmp_get,
            touches_hosts=True,
            preview=scans.preview_snmp_get,
        ),
        NodeType("notify", notify.NotifyConfig, notify.run_notify, touches_hosts=True),
    )
}


def node_type(name: str) -> NodeType | None:
    """The node type called `name`, if there is one."""
    return NODE_TYPES.get(name)
