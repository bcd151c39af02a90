"""`make events`: write the files that derive from the event classes and the dispatch tables.

- `docs/events.md`, the event catalogue, from the classes of shared/events/catalogue.py and from
  who handles what (each service's `consumers.py` table, and the broadcast revocation queues);
- the `exchanges`, `queues` and `bindings` of `rabbitmq/definitions.json`, from
  shared/events/topology.py and the same tables (everything else in that file is kept as is).

`python -m scripts.events_contract --check` writes nothing and fails if either file is stale;
tests/unit/test_events_contract.py runs the same check.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from shared.events.catalogue import EVENT_TYPES, EventData, Item
from shared.events.topology import Topology, exchanges, service_queues, shared_queues
from shared.events.worker import lane_queue

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_DOC = ROOT / "docs/events.md"
DEFINITIONS = ROOT / "rabbitmq/definitions.json"
# Processes that bind a queue of their own per process (not in definitions.json), and the module
# whose SUBSCRIBES lists what they bind.
BROADCAST = {
    process: "shared.web.revocations"
    for process in (
        "api_gateway",
        "catalog_service api",
        "order_service api",
        "notification_service api",
    )
}
PATTERNS = {r"^\d+\.\d{2}$": 'money ("12.50")', "^[A-Z]{3}$": 'currency ("USD")'}


class _Unused:
    """Stands in for what a dispatch-table builder needs (a saga); only the keys are read."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


def subscriptions() -> dict[str, list[str]]:
    """Consuming service or lane (its queues' name: `order`, `order.books`) -> the event types
    its dispatch table handles."""
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.glob("*_service/consumers.py")):
        module = importlib.import_module(f"{path.parent.name}.consumers")
        service = path.parent.name.removesuffix("_service")
        table = module.HANDLERS if hasattr(module, "HANDLERS") else module.build_handlers(_Unused())
        if table:
            found[service] = sorted(table)
        for lane, lane_table in getattr(module, "LANES", {}).items():
            found[lane_queue(service, lane)] = sorted(lane_table)
    return found


def broadcast_subscriptions() -> dict[str, list[str]]:
    return {
        process: sorted(importlib.import_module(module).SUBSCRIBES)
        for process, module in BROADCAST.items()
    }


# --- rabbitmq/definitions.json ------------------------------------------------------------------


def definitions(current: dict[str, Any]) -> dict[str, Any]:
    """`current` with its exchanges, queues and bindings replaced by what the code declares."""
    topology = Topology("")
    queues = shared_queues(topology) + [
        queue
        for service, keys in subscriptions().items()
        for queue in service_queues(topology, service, keys)
    ]
    generated = {
        "exchanges": [
            {
                "name": e.name,
                "vhost": "/",
                "type": e.kind,
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": e.arguments,
            }
            for e in exchanges(topology)
        ],
        "queues": [
            {
                "name": q.name,
                "vhost": "/",
                "durable": True,
                "auto_delete": False,
                "arguments": q.arguments,
            }
            for q in queues
        ],
        "bindings": [
            {
                "source": source,
                "vhost": "/",
                "destination": q.name,
                "destination_type": "queue",
                "routing_key": key,
                "arguments": {},
            }
            for q in queues
            for source, key in q.bindings
        ],
    }
    return {key: generated.get(key, value) for key, value in current.items()} | {
        key: value for key, value in generated.items() if key not in current
    }


def definitions_text() -> str:
    current = json.loads(DEFINITIONS.read_text())
    return json.dumps(definitions(current), indent=2) + "\n"


# --- docs/events.md -----------------------------------------------------------------------------


def _type_name(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short, readable name for a JSON schema fragment."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type_name(s, defs) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(schema.get('items', {}), defs)}"
    if kind == "string" and schema.get("format") == "date-time":
        return "timestamp"
    if kind == "string" and schema.get("pattern"):
        return PATTERNS.get(schema["pattern"], f"string `{schema['pattern']}`")
    return str(kind)


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    for key, label in (("minLength", "length ≥"), ("maxLength", "length ≤")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "minItems" in schema:
        parts.append(f"at least {schema['minItems']}")
    return ", ".join(parts)


def _field_rows(model: type[EventData] | type[Item]) -> list[str]:
    schema = model.model_json_schema(mode="serialization")
    props, required = schema.get("properties", {}), set(schema.get("required", []))
    defs = schema.get("$defs", {})
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        prop = props[name]
        kind = _type_name(prop, defs)
        limits = _limits(prop)
        kind = f"{kind} ({limits})" if limits else kind
        needed = "yes" if name in required else "no"
        meaning = (field.description or "").replace("\n", " ").replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | {needed} | {meaning} |")
    return rows


def _items(model: type[EventData]) -> list[type[Item]]:
    """The nested line classes a model uses (OrderLine, StockLine...)."""
    found: list[type[Item]] = []
    for field in model.model_fields.values():
        for arg in getattr(field.annotation, "__args__", ()):
            if isinstance(arg, type) and issubclass(arg, Item) and arg not in found:
                found.append(arg)
    return found


def catalogue_markdown() -> str:
    consumers: dict[str, list[str]] = {}
    for queue, keys in subscriptions().items():
        service, _, lane = queue.partition(".")
        where = f"{service}_service worker" + (f" (lane `{lane}`)" if lane else "")
        for key in keys:
            consumers.setdefault(key, []).append(where)
    for process, keys in broadcast_subscriptions().items():
        for key in keys:
            consumers.setdefault(key, []).append(f"{process} (broadcast, every process)")
    lines = [
        "# Event catalogue",
        "",
        "<!-- Generated by `make events` (scripts/events_contract.py) from",
        "     shared/events/catalogue.py and the services' dispatch tables. Do not edit. -->",
        "",
        "Every event travels in the envelope described in",
        "[architecture.md](architecture.md#events) on the topic exchange `bookstore.events`, with",
        "its type as the routing key. This page lists the `data` of each type. Readers ignore",
        "fields they do not know, so a producer may add an optional field at any time; removing",
        "or retyping a field needs every consumer updated first. Money travels as a string with",
        "two decimals; times as ISO 8601 UTC with milliseconds and a Z",
        "(`2026-11-22T10:00:00.123Z`). How to add an event: [CONTRIBUTING.md](../CONTRIBUTING.md).",
        "",
        "| type | producer | handled by |",
        "|---|---|---|",
    ]
    for event_type, cls in sorted(EVENT_TYPES.items()):
        handled = ", ".join(sorted(consumers.get(event_type, []))) or "nobody yet"
        anchor = event_type.replace(".", "")
        lines.append(f"| [`{event_type}`](#{anchor}) | {cls.PRODUCER} | {handled} |")
    for event_type, cls in sorted(EVENT_TYPES.items()):
        doc = " ".join((cls.__doc__ or "").split())
        lines += ["", f"## `{event_type}`", "", f"{doc} Class `{cls.__name__}`.", ""]
        lines += _field_rows(cls)
        for item in _items(cls):
            lines += ["", f"`{item.__name__}`:", ""] + _field_rows(item)
    return "\n".join(lines) + "\n"


# --- command line -------------------------------------------------------------------------------


def outputs() -> dict[Path, str]:
    return {CATALOGUE_DOC: catalogue_markdown(), DEFINITIONS: definitions_text()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is stale")
    args = parser.parse_args(argv)
    stale = [path for path, text in outputs().items() if not args.check or _differs(path, text)]
    for path in stale:
        if args.check:
            print(f"{path.relative_to(ROOT)} is stale: run `make events`", file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(outputs()[path])
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


def _differs(path: Path, text: str) -> bool:
    return not path.exists() or path.read_text() != text


if __name__ == "__main__":
    sys.exit(main())
