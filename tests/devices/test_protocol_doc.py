"""The WebSocket protocol's documentation (devices/protocol_doc.py): an AsyncAPI 3.0 document
at /api/asyncapi.yaml and .json and a page at /api/docs/devices/, made from one description
that is held to the consumers: every type they handle or send, every error code and close
code of devices/ is described, and nothing they do not have."""

import ast
import inspect
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from attendance.models import DenialReason
from devices import protocol_doc
from devices.consumers.base import ProtocolConsumer
from devices.routing import websocket_urlpatterns
from gymsite.core import errors
from tests.pages import offsite, scripts_and_styles

pytestmark = pytest.mark.django_db

DEVICES = Path(protocol_doc.__file__).parent
# Codes of devices' REST endpoints only (OpenAPI describes them), never sent on a socket.
REST_ONLY_CODES = {"serial_taken", "device_revoked", "consent_exists", "consent_missing"}
ERROR_CLASSES = {"FrameError", *(name for name, value in vars(errors).items() if isinstance(value, type) and issubclass(value, errors.DomainError))}


# --- what the code has ------------------------------------------------------------------


def handled_types(consumer: type[ProtocolConsumer]) -> set[str]:
    """The types a consumer dispatches to: its on_<type> handlers (ProtocolConsumer.receive)."""
    return {
        name.removeprefix("on_")
        for name, member in inspect.getmembers(consumer, inspect.iscoroutinefunction)
        if name.startswith("on_")
    }


def routes() -> dict[str, type[ProtocolConsumer]]:
    """Each WebSocket route's address, as AsyncAPI writes it, and its consumer."""
    found = {}
    for pattern in websocket_urlpatterns:
        regex = pattern.pattern.regex.pattern
        address = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", regex).strip("^$").removesuffix("/?")
        found[address] = pattern.callback.consumer_class
    return found


def _sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text()))
        for path in sorted(DEVICES.rglob("*.py"))
        if "migrations" not in path.parts and path.name != "protocol_doc.py"
    ]


def _strings(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _call_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def sent_types(sources) -> set[str]:
    """Every "type" of a frame built in devices/: dict literals and FrameError(type=...)."""
    found = {"error"}  # FrameError's default
    for _path, tree in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant):
                        found.add(value.value)
            if isinstance(node, ast.Call) and _call_name(node) == "FrameError":
                found |= {kw.value.value for kw in node.keywords if kw.arg == "type" and isinstance(kw.value, ast.Constant)}
    return found - {"devices.push"}  # the channel layer's message, not a frame


def error_codes(sources) -> set[str]:
    """Every error code of devices/: given to FrameError or a domain error, in a frame's
    "code", or assigned to a variable named code."""
    found = set()
    for _path, tree in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in ERROR_CLASSES:
                code = [kw.value for kw in node.keywords if kw.arg == "code"] or node.args[1:2]
                if code and isinstance(code[0], ast.Constant):
                    found.add(code[0].value)
                elif not code and _call_name(node) != "FrameError":
                    found.add(getattr(errors, _call_name(node)).default_code)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code" and isinstance(value, ast.Constant):
                        found.add(value.value)
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
                found |= _strings(node.value)
    return found


def close_codes(sources) -> set[int]:
    """Every application close code (4000-4999) written in devices/."""
    return {
        node.value
        for _path, tree in sources
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and type(node.value) is int and 4000 <= node.value <= 4999
    }


def documented(channel) -> tuple[set[str], set[str]]:
    """(types the channel receives, types it sends) in the description."""
    return (
        {protocol_doc.MESSAGES[key].type for key in channel.receives},
        {protocol_doc.MESSAGES[key].type for key in channel.sends},
    )


# --- the description against the code ----------------------------------------------------


def test_every_route_is_a_documented_channel_and_no_other():
    assert set(routes()) == {channel.address for channel in protocol_doc.CHANNELS}


def test_each_channel_describes_exactly_the_types_its_consumer_handles():
    consumers = routes()
    for channel in protocol_doc.CHANNELS:
        receives, _sends = documented(channel)
        assert receives == handled_types(consumers[channel.address]), channel.key


def test_the_check_catches_a_handler_the_description_lacks():
    class Extended(routes()["/ws/gym/{gym_id}"]):
        async def on_reboot(self, message): ...

    (terminal,) = [c for c in protocol_doc.CHANNELS if c.key == "terminal"]
    assert handled_types(Extended) - documented(terminal)[0] == {"reboot"}


def test_every_type_the_server_sends_is_described_and_no_other():
    described = set().union(*(documented(channel)[1] for channel in protocol_doc.CHANNELS))
    assert sent_types(_sources()) == described


def test_every_error_code_of_the_sockets_is_described_and_no_other():
    used = error_codes(_sources())
    assert used >= REST_ONLY_CODES  # the scan sees the REST services too
    assert used - REST_ONLY_CODES == set(protocol_doc.ERROR_CODES)


def test_every_close_code_is_described():
    assert close_codes(_sources()) == {close.code for close in protocol_doc.CLOSE_CODES}
    closing = {error.closes for error in protocol_doc.ERRORS if error.closes}
    assert closing <= {close.code for close in protocol_doc.CLOSE_CODES}


def test_the_denial_reasons_are_attendances_and_the_unknown_member():
    door = set(DenialReason.values) - {DenialReason.ALREADY_CHECKED_IN}  # re-entry is let in
    assert {value for value, _label in protocol_doc.REASONS} == door | {"unknown_member"}


def test_every_message_of_a_channel_is_described_and_replies_exist():
    for channel in protocol_doc.CHANNELS:
        for key in (*channel.receives, *channel.sends):
            message = protocol_doc.MESSAGES[key]
            assert message.summary and all(f.description for f in message.fields), key
            assert set(message.replies) <= set(channel.sends) | set(protocol_doc.MESSAGES), key
    for error in protocol_doc.ERRORS:
        assert set(error.replies) <= {"error", "store_error"} and error.texts, error.code


# --- the AsyncAPI document ---------------------------------------------------------------


def _resolve(document: dict, ref: str):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_asyncapi_document_is_served_in_yaml_and_json_without_credentials():
    client = Client()
    as_yaml = client.get("/api/asyncapi.yaml", HTTP_AUTHORIZATION="Bearer not-a-token")
    as_json = client.get("/api/asyncapi.json")
    assert as_yaml.status_code == as_json.status_code == 200
    assert as_yaml["Content-Type"].startswith("application/yaml")
    assert as_json["Content-Type"] == "application/json"
    assert yaml.safe_load(as_yaml.content) == json.loads(as_json.content)
    assert client.post("/api/asyncapi.json").status_code == 405


def test_the_asyncapi_document_is_structurally_valid_asyncapi_3():
    document = Client().get("/api/asyncapi.json").json()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"]["gymsite"] == {**document["servers"]["gymsite"], "host": "testserver", "protocol": "ws"}
    for ref in _refs(document):
        assert ref.startswith("#/"), ref
        _resolve(document, ref)  # every reference resolves
    messages = document["components"]["messages"]
    assert set(messages) == set(protocol_doc.MESSAGES)
    for key in messages:
        assert re.fullmatch(r"[a-zA-Z0-9.\-_]+", key), key
    for channel_key, channel in document["channels"].items():
        assert channel["address"].startswith("/ws/")
        assert set(re.findall(r"{(\w+)}", channel["address"])) == set(channel["parameters"])
        assert channel["bindings"]["ws"]["bindingVersion"] == "0.1.0"
        for ref in channel["messages"].values():
            assert ref["$ref"].startswith("#/components/messages/"), channel_key
    for name, operation in document["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/")
        # AsyncAPI 3.0: an operation's messages are its channel's.
        for ref in (m["$ref"] for m in operation["messages"]):
            assert ref.startswith(channel_ref + "/messages/"), name
        if "reply" in operation:
            for ref in (m["$ref"] for m in operation["reply"]["messages"]):
                assert ref.startswith(operation["reply"]["channel"]["$ref"] + "/messages/"), name
    assert set(document["components"]["securitySchemes"]) == set(protocol_doc.CREDENTIALS)
    assert {error["code"] for error in document["x-errors"]} == set(protocol_doc.ERROR_CODES)
    assert {close["code"] for close in document["x-close-codes"]} == {4401, 4403, 4404, 4503}
    assert document["x-limits"]["max_frame_bytes"] == 64 * 1024


@pytest.mark.parametrize("validator", [jsonschema.Draft7Validator, jsonschema.Draft202012Validator])
def test_every_payload_is_valid_json_schema_and_its_example_matches(validator):
    document = Client().get("/api/asyncapi.json").json()
    for key, message in document["components"]["messages"].items():
        payload = message["payload"]
        validator.check_schema(payload)
        assert payload["properties"]["type"]["const"] == message["name"], key
        for example in message["examples"]:
            validator(payload).validate(example["payload"])


def test_the_payloads_refuse_what_the_protocol_refuses():
    messages = Client().get("/api/asyncapi.json").json()["components"]["messages"]
    store = jsonschema.Draft7Validator(messages["store_fingerprint"]["payload"])
    assert not store.is_valid({"type": "store_fingerprint", "fingerprint_data": "AA==", "finger": 3})
    assert not store.is_valid({"type": "store_fingerprint", "finger": 1})
    error = jsonschema.Draft7Validator(messages["error"]["payload"])
    assert error.is_valid({"type": "error", "error": "x", "code": "missing_fields", "fields": ["user_id"]})
    assert not error.is_valid({"type": "error", "error": "x", "code": "fingerprint_missing"})  # a store_error's


def test_the_document_speaks_the_asked_language():
    spanish = Client().get("/api/asyncapi.json?lang=es").json()
    (credentials,) = [e for e in spanish["x-errors"] if e["code"] == "invalid_credentials"]
    assert credentials["texts"] == ["Correo electrónico o contraseña incorrectos"]


# --- the page ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_describes_every_message_error_and_close_code(language):
    response = Client().get("/api/docs/devices/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for channel in protocol_doc.CHANNELS:
        assert channel.address in html
    for message in protocol_doc.MESSAGES.values():
        assert f"<h4>{message.type}</h4>" in html, message.type
        for item in message.fields:
            assert f"<code>{item.name}</code>" in html
    for error in protocol_doc.ERRORS:
        assert f'id="error-{error.code}"' in html
    for close in protocol_doc.CLOSE_CODES:
        assert f"<code>{close.code}</code>" in html


def test_the_spanish_page_has_seed_001s_error_texts():
    html = Client().get("/api/docs/devices/?lang=es").content.decode()
    for text in (
        "Correo electrónico o contraseña incorrectos",
        "No se encontró la conexión del gimnasio",
        "Datos de huella digital faltantes",
    ):
        assert text in html
    english = Client().get("/api/docs/devices/?lang=en").content.decode()
    assert "Incorrect email or password" in english and "Correo electrónico" not in english


def test_the_page_loads_nothing_from_another_host():
    for path in ("/api/docs/devices/", "/api/docs/devices/?lang=es"):
        response = Client().get(path)
        html = response.content.decode()
        assert offsite(html, "http://testserver" + path) == []
        assert "<script" not in html  # plain HTML and CSS
        for asset in scripts_and_styles(html):
            assert asset.url.startswith("/") and Client().get(asset.url).status_code == 200, asset.url
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_rest_docs_and_the_index_lead_to_the_protocol():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/docs/devices/" in schema["info"]["description"]
    assert "/api/asyncapi.yaml" in schema["info"]["description"]
    links = Client().get("/api/v1/").json()["links"]
    assert links["devices_protocol"] == "http://testserver/api/docs/devices/"
    assert links["asyncapi"] == "http://testserver/api/asyncapi.yaml"
    readme = (DEVICES.parent / "README.md").read_text()
    assert "/api/docs/devices/" in readme and "/api/asyncapi.yaml" in readme
