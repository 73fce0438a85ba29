"""The WebSocket protocol of devices (seed 001), described once: the AsyncAPI 3.0 document
(/api/asyncapi.yaml, /api/asyncapi.json) and the page /api/docs/devices/ are both made from
the tables below. tests/devices/test_protocol_doc.py holds them to the consumers: every
type a consumer handles or sends, every error code and close code of devices/ must be
here, and nothing else.

Directions are the server's, as AsyncAPI has them: a channel `receives` what the terminal
or the front desk sends, and `sends` what it gets back or has pushed to it. Texts are
English msgids; the error texts are the consumers' own, so their Spanish is seed 001's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from attendance.models import DenialReason

from .consumers import auth, protocol
from .models import FINGERS, MAX_TEMPLATE_BYTES
from .services.access import UNKNOWN_MEMBER

ASYNCAPI_VERSION = "3.0.0"


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict  # JSON Schema of the value
    description: Any  # lazy text
    required: bool = True


@dataclass(frozen=True)
class Message:
    key: str  # the component's name (unique); `type` on the wire
    type: str
    summary: Any
    fields: tuple[Field, ...] = ()
    example: dict = field(default_factory=dict)
    replies: tuple[str, ...] = ()  # keys of the messages that may answer it
    open_payload: bool = False  # other fields are passed on as they are


@dataclass(frozen=True)
class ErrorCode:
    code: str
    texts: tuple[Any, ...]  # the consumers' msgids (formatted with `params`)
    when: Any
    replies: tuple[str, ...] = ("error",)  # the frame types that carry it
    channels: tuple[str, ...] = ("terminal", "desk")
    closes: int | None = None  # the close code that follows, if the socket is closed
    params: dict = field(default_factory=dict)

    def rendered_texts(self) -> list[str]:
        return [str(text) % self.params if self.params else str(text) for text in self.texts]


@dataclass(frozen=True)
class CloseCode:
    code: int
    name: str
    when: Any


@dataclass(frozen=True)
class Credential:
    key: str  # the security scheme's name
    title: Any
    description: Any
    scheme: dict  # AsyncAPI security scheme (without description)


@dataclass(frozen=True)
class Channel:
    key: str
    address: str
    parameter: str
    parameter_description: Any
    title: Any
    description: Any
    credentials: tuple[str, ...]
    receives: tuple[str, ...]
    sends: tuple[str, ...]


class Formatted:
    """A lazy text with %-style parameters, formatted in the language active when shown."""

    def __init__(self, text, **params):
        self.text, self.params = text, params

    def __str__(self) -> str:
        return str(self.text) % self.params


# --- field types ----------------------------------------------------------------------

ID_IN = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"^\s*[0-9]{1,18}\s*$"}]}
ID_OUT = {"type": "string", "pattern": "^[0-9]+$"}
TEXT = {"type": "string"}
EVENT_ID = {
    "oneOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "integer"}],
}
REASONS = (
    (UNKNOWN_MEMBER, _("No member matched the finger, or the member is not of this gym.")),
    (DenialReason.MEMBER_INACTIVE.value, DenialReason.MEMBER_INACTIVE.label),
    (DenialReason.NO_MEMBERSHIP.value, DenialReason.NO_MEMBERSHIP.label),
    (DenialReason.MEMBERSHIP_PAUSED.value, DenialReason.MEMBERSHIP_PAUSED.label),
    (DenialReason.MEMBERSHIP_EXPIRED.value, DenialReason.MEMBERSHIP_EXPIRED.label),
)
REASON = {"type": "string", "enum": [value for value, _label in REASONS]}

USER_ID_IN = Field("user_id", ID_IN, _("The member's id: a number or a string of digits."))
USER_ID_OUT = Field("user_id", ID_OUT, _("The member's id."))
EVENT_ID_IN = Field(
    "event_id", EVENT_ID,
    _("The terminal's id of this reading (at most 64 characters): sent again after a dropped connection, it gets the first answer and records nothing twice."),
    required=False,
)
DEVICE_TIME_IN = Field(
    "device_time", {"type": "string", "format": "date-time"},
    _("When the finger was read, ISO 8601 with its offset, for readings buffered offline (at most 24 hours ahead of the server)."),
    required=False,
)
EVENT_ID_OUT = Field("event_id", {"type": "string"}, _("The reading's id: the terminal's, or one the server made."))
FULL_NAME = Field("full_name", TEXT, _("The member's full name."))

# --- messages -------------------------------------------------------------------------

_MESSAGES = (
    # The terminal's (/ws/gym/{gym_id}).
    Message(
        "login", "login", _("Log the terminal in with a staff account (when it connected without a device token)."),
        (Field(
            "login_data",
            {"type": "object", "required": ["email", "password"], "properties": {"email": TEXT, "password": TEXT}},
            _("The email and password of an admin, or of a trainer of this gym."),
        ),),
        {"type": "login", "login_data": {"email": "trainer@gym.com", "password": "trainer123"}},
        replies=("connected", "error"),
    ),
    Message(
        "connected", "connected", _("The terminal is authenticated: it joins its gym's terminals."),
        (
            Field("device_id", {"type": "integer"}, _("The terminal's id.")),
            Field("gym_id", ID_OUT, _("The gym's id.")),
        ),
        {"type": "connected", "device_id": 7, "gym_id": "1"},
    ),
    Message(
        "user", "user", _("Enroll this member's fingers (from the terminal, or from the front desk for the gym's terminals)."),
        (USER_ID_IN,),
        {"type": "user", "user_id": "123"},
        replies=("start_enrollment", "error"),
    ),
    Message(
        "start_enrollment", "start_enrollment", _("The member to enroll: a member of the gym with their consent on record."),
        (
            USER_ID_OUT,
            FULL_NAME,
            Field("email", TEXT, _("The member's email (may be empty).")),
        ),
        {"type": "start_enrollment", "user_id": "123", "full_name": "John Doe", "email": "john@example.com"},
    ),
    Message(
        "finger1_captured", "finger1_captured",
        _("The first finger was read. Passed on, with any other fields, to the front desk following the member."),
        (), {"type": "finger1_captured"}, replies=("error",), open_payload=True,
    ),
    Message(
        "store_fingerprint", "store_fingerprint", _("Store the template of one finger of the member being enrolled."),
        (
            Field(
                "fingerprint_data", {"type": "string", "contentEncoding": "base64"},
                Formatted(_("The template, base64 (at most %(size)d bytes decoded)."), size=MAX_TEMPLATE_BYTES),
            ),
            Field("finger", {"type": "integer", "enum": list(FINGERS)}, _("Which finger: 1 or 2.")),
            Field("format", {"type": "string", "maxLength": 40}, _("The template's format, as the terminal names it."), required=False),
        ),
        {"type": "store_fingerprint", "fingerprint_data": "UklGRg==", "finger": 1},
        replies=("fingerprint_stored", "enrollment_completed", "store_error"),
    ),
    Message(
        "fingerprint_stored", "fingerprint_stored", _("The finger's template is stored (encrypted)."),
        (
            Field("message", TEXT, _("Fingerprint stored successfully (in the socket's language).")),
            USER_ID_OUT,
            Field("finger", {"type": "integer", "enum": list(FINGERS)}, _("Which finger: 1 or 2.")),
        ),
        {"type": "fingerprint_stored", "message": "Fingerprint stored successfully", "user_id": "123", "finger": 1},
    ),
    Message(
        "enrollment_completed", "enrollment_completed",
        _("The member's enrollment is over. Sent by the terminal, or by the server once both fingers are stored; passed on to the front desk."),
        (Field("user_id", ID_OUT, _("The member's id (from the server)."), required=False),),
        {"type": "enrollment_completed", "user_id": "123"},
        replies=("error",),
    ),
    Message(
        "download_templates", "download_templates",
        _("Ask for the gym's templates: all of them, or those changed since a cursor."),
        (Field(
            "since", {"type": "integer", "minimum": 0},
            _("The cursor of the terminal's last download: only what changed after it. Without it, the whole set."),
            required=False,
        ),),
        {"type": "download_templates", "since": 41},
        replies=("template_data_set", "error"),
    ),
    Message(
        "template_data_set", "template_data_set",
        _("The templates, decrypted, one entry per member. A large set comes in parts; the terminal has it all once part equals parts."),
        (
            Field(
                "data",
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "full_name", "fingerprint1", "fingerprint2"],
                        "properties": {
                            "id": ID_OUT,
                            "full_name": TEXT,
                            "fingerprint1": {"type": ["string", "null"]},
                            "fingerprint2": {"type": ["string", "null"]},
                        },
                    },
                },
                _("Members with their templates (base64, or null for a finger not on record)."),
            ),
            Field("deleted", {"type": "array", "items": ID_OUT}, _("Members whose templates were all deleted since the cursor (first part only).")),
            Field("cursor", {"type": "integer", "minimum": 0}, _("The gym's cursor: send it as since next time.")),
            Field("full", {"type": "boolean"}, _("True: the whole set, replace what the terminal has. False: only changes.")),
            Field("part", {"type": "integer", "minimum": 1}, _("This frame's number, from 1.")),
            Field("parts", {"type": "integer", "minimum": 1}, Formatted(_("How many frames the set takes (each under %(size)d KB)."), size=protocol.MAX_SET_FRAME_BYTES // 1024)),
        ),
        {
            "type": "template_data_set", "deleted": [], "cursor": 42, "full": True, "part": 1, "parts": 1,
            "data": [{"id": "123", "full_name": "John Doe", "fingerprint1": "UklGRg==", "fingerprint2": None}],
        },
    ),
    Message(
        "templates_changed", "templates_changed", _("Pushed to the gym's terminals when a template changed: download what changed since your cursor."),
        (Field("cursor", {"type": "integer", "minimum": 0}, _("The gym's cursor after the change.")),),
        {"type": "templates_changed", "cursor": 42},
    ),
    Message(
        "user_found", "user_found", _("A finger matched this member: may they come in? The visit is recorded once."),
        (USER_ID_IN, EVENT_ID_IN, DEVICE_TIME_IN),
        {"type": "user_found", "user_id": "123", "event_id": "a1b2c3", "device_time": "2025-01-15T07:30:00-06:00"},
        replies=("access_granted", "access_denied", "error"),
    ),
    Message(
        "user_not_found", "user_not_found", _("A finger matched nobody: recorded, and denied."),
        (EVENT_ID_IN, DEVICE_TIME_IN),
        {"type": "user_not_found", "event_id": "a1b2c4"},
        replies=("access_denied", "error"),
    ),
    Message(
        "access_granted", "access_granted", _("Open the door."),
        (
            USER_ID_OUT, EVENT_ID_OUT, FULL_NAME,
            Field("expires_on", {"type": ["string", "null"], "format": "date"}, _("The last day of the member's membership.")),
        ),
        {"type": "access_granted", "user_id": "123", "event_id": "a1b2c3", "full_name": "John Doe", "expires_on": "2025-02-14"},
    ),
    Message(
        "access_denied", "access_denied", _("Keep the door closed, and why."),
        (
            Field("user_id", {"type": ["string", "null"]}, _("The member's id, null for user_not_found.")),
            EVENT_ID_OUT,
            Field("reason", REASON, _("Why the member may not come in.")),
        ),
        {"type": "access_denied", "user_id": "123", "event_id": "a1b2c3", "reason": "membership_expired"},
    ),
    # The front desk's (/ws/user/{member_id}).
    Message(
        "connected_desk", "connected", _("The front desk follows this member's enrollment and the gym's doors."),
        (Field("user_id", ID_OUT, _("The member followed.")),),
        {"type": "connected", "user_id": "123"},
    ),
    Message(
        "fingerprint_connected", "fingerprint_connected",
        _("Tell the gym's connected terminals to enroll the member this socket follows."),
        (Field("gym_id", ID_IN, _("The member's gym.")),),
        {"type": "fingerprint_connected", "gym_id": "1"},
        replies=("fingerprint_connection_stablished", "error"),
    ),
    Message(
        "user_desk", "user", _("Tell the gym's connected terminals to enroll this member (of the same gym)."),
        (USER_ID_IN,),
        {"type": "user", "user_id": "124"},
        replies=("error",),
    ),
    Message(
        "fingerprint_connection_stablished", "fingerprint_connection_stablished",
        _("The gym's terminals were told to enroll the member (seed 001's spelling)."),
        (Field("gym_id", ID_OUT, _("The gym's id.")),),
        {"type": "fingerprint_connection_stablished", "gym_id": "1"},
    ),
    Message(
        "finger1_captured_desk", "finger1_captured", _("The terminal read the member's first finger."),
        (USER_ID_OUT,),
        {"type": "finger1_captured", "user_id": "123"},
        open_payload=True,
    ),
    Message(
        "access_event", "access_event", _("A decision at one of the gym's doors."),
        (
            Field("result", {"type": "string", "enum": ["granted", "denied"]}, _("granted or denied.")),
            Field("reason", {"type": "string", "enum": ["", *REASON["enum"]]}, _("Empty when granted; else why not.")),
            Field("user_id", {"type": ["string", "null"]}, _("The member's id, null when no finger matched.")),
            EVENT_ID_OUT,
            Field("full_name", {"type": ["string", "null"]}, _("The member's full name, null when unknown.")),
            Field("device_id", {"type": "integer"}, _("The terminal's id.")),
            Field("device_name", TEXT, _("The terminal's name.")),
            Field("at", {"type": "string", "format": "date-time"}, _("When the server received it.")),
        ),
        {
            "type": "access_event", "result": "granted", "reason": "", "user_id": "123", "event_id": "a1b2c3",
            "full_name": "John Doe", "device_id": 7, "device_name": "Front door", "at": "2025-01-15T13:30:00+00:00",
        },
    ),
    # Both sockets'.
    Message(
        "error", "error", _("The message was refused; the socket stays open unless a close code follows."),
        (
            Field("error", TEXT, _("What went wrong, in the socket's language.")),
            Field("code", {"type": "string"}, _("A stable code: see Errors.")),
            Field("fields", {"type": "array", "items": TEXT}, _("The fields missing or invalid (missing_fields)."), required=False),
            Field("retry_after", {"type": "integer"}, _("Seconds before trying again (throttled)."), required=False),
        ),
        {"type": "error", "error": "Incorrect email or password", "code": "invalid_credentials"},
    ),
    Message(
        "store_error", "store_error", _("store_fingerprint was refused; nothing was stored."),
        (
            Field("error", TEXT, _("What went wrong, in the socket's language.")),
            Field("code", {"type": "string"}, _("A stable code: see Errors.")),
        ),
        {"type": "store_error", "error": "Fingerprint data missing", "code": "fingerprint_missing"},
    ),
)
MESSAGES = {message.key: message for message in _MESSAGES}

# --- authentication -------------------------------------------------------------------

CREDENTIALS = {
    credential.key: credential
    for credential in (
        Credential(
            "deviceToken", _("Device token"),
            _("The terminal's token (shown once when an admin creates the terminal), as ?token= or Authorization: Bearer. Unknown or revoked: closed with 4401; of another gym: 4403."),
            {"type": "httpApiKey", "name": "token", "in": "query"},
        ),
        Credential(
            "deviceTokenHeader", _("Device token (header)"),
            _("The terminal's token in the Authorization header: Bearer <token>."),
            {"type": "http", "scheme": "bearer"},
        ),
        Credential(
            "loginMessage", _("Login message"),
            _("Without a token the socket opens unauthenticated: the first message must be login, with the email and password of an admin or a trainer of the gym (throttled like the REST login). Any other message is refused with not_authenticated."),
            {"type": "userPassword"},
        ),
        Credential(
            "staffToken", _("Staff token"),
            _("A staff JWT access token or personal API token of someone who may record biometric consent, as ?token= or Authorization: Bearer. Missing or invalid: closed with 4401; not allowed, or a member of another gym: 4403."),
            {"type": "httpApiKey", "name": "token", "in": "query"},
        ),
        Credential(
            "staffTokenHeader", _("Staff token (header)"),
            _("The staff JWT or personal API token in the Authorization header: Bearer <token>."),
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        ),
    )
}

# --- channels -------------------------------------------------------------------------

CHANNELS = (
    Channel(
        "terminal", "/ws/gym/{gym_id}", "gym_id", _("The gym the terminal stands in."),
        _("Fingerprint terminal"),
        _("A terminal at the gym's door: it enrolls members' fingers, downloads the gym's templates and asks whether a member may come in."),
        ("deviceToken", "deviceTokenHeader", "loginMessage"),
        ("login", "user", "finger1_captured", "store_fingerprint", "enrollment_completed", "download_templates", "user_found", "user_not_found"),
        ("connected", "start_enrollment", "fingerprint_stored", "enrollment_completed", "template_data_set", "templates_changed",
         "access_granted", "access_denied", "error", "store_error"),
    ),
    Channel(
        "desk", "/ws/user/{member_id}", "member_id", _("The member whose enrollment the front desk follows."),
        _("Front desk"),
        _("The front-desk screen: it starts a member's enrollment on the gym's terminals, follows it, and sees every decision at the gym's doors."),
        ("staffToken", "staffTokenHeader"),
        ("fingerprint_connected", "user_desk"),
        ("connected_desk", "fingerprint_connection_stablished", "finger1_captured_desk", "fingerprint_stored", "enrollment_completed",
         "access_event", "error"),
    ),
)

# --- errors and close codes -----------------------------------------------------------

ERRORS = (
    ErrorCode("frame_too_large", (_("Frames are limited to %(size)d KB."),), _("A frame over the size limit."),
              params={"size": protocol.MAX_FRAME_BYTES // 1024}),
    ErrorCode("parse_error", (_("The message is not valid JSON."),), _("A frame that is not JSON.")),
    ErrorCode("invalid_message", (_("The message must be a JSON object."),), _("JSON that is not an object.")),
    ErrorCode("missing_fields", (_("The message has no type."), _("Missing or invalid fields: %(fields)s")),
              _("No type, or a field missing or of the wrong kind: listed in fields."), params={"fields": "user_id"}),
    ErrorCode("unknown_type", (_("Unknown message type: %(type)s"),), _("A type this socket does not handle."),
              params={"type": "hello"}),
    ErrorCode("not_authenticated", (_("Log in first."),), _("A message other than login before the terminal logged in."),
              channels=("terminal",)),
    ErrorCode("invalid_credentials", (_(protocol.INVALID_CREDENTIALS),), _("login with a wrong email or password."),
              channels=("terminal",)),
    ErrorCode("throttled", (_("Too many attempts. Try again later."),),
              _("Too many failed logins, or messages faster than the sender's budget (a terminal's is shared by all its sockets, so reconnecting does not refill it; a front-desk screen uses its staff user's; the extra messages are dropped unread): retry_after says when to try again.")),
    ErrorCode("service_unavailable", (_("The service is briefly unavailable. Try again in a moment."),),
              _("The server's message bus (Redis) does not answer: the socket is closed with 4503; connect again later."),
              closes=auth.UNAVAILABLE),
    ErrorCode("permission_denied", (_("Only an admin or a trainer of this gym may connect a terminal."),),
              _("login of someone else, or the gym's login terminal is deactivated."), channels=("terminal",), closes=auth.FORBIDDEN),
    ErrorCode("gym_not_found", (_("Gym not found."),), _("login to a gym that does not exist."), channels=("terminal",),
              closes=auth.NOT_FOUND),
    ErrorCode("member_not_found", (_("Member not found."),), _("No such member in the gym, or deleted during the enrollment."),
              replies=("error", "store_error")),
    ErrorCode("consent_required", (_("The member has not given consent to keep their fingerprints."),),
              _("The member's biometric consent is not on record (POST /api/v1/members/{id}/biometric-consent)."),
              replies=("error", "store_error")),
    ErrorCode("gym_connection_not_found", (_(protocol.GYM_CONNECTION_NOT_FOUND),),
              _("No terminal of the member's gym is connected, or another gym was named."), channels=("desk",)),
    ErrorCode("no_enrollment", (_("No enrollment in progress."),), _("finger1_captured, store_fingerprint or enrollment_completed before user."),
              replies=("error", "store_error"), channels=("terminal",)),
    ErrorCode("fingerprint_missing", (_(protocol.FINGERPRINT_MISSING),), _("store_fingerprint without fingerprint_data or finger."),
              replies=("store_error",), channels=("terminal",)),
    ErrorCode("invalid_base64", (_("fingerprint_data must be base64 text."),), _("fingerprint_data is not base64."),
              replies=("store_error",), channels=("terminal",)),
    ErrorCode("invalid_finger", (_("The finger must be 1 or 2."),), _("finger is not 1 or 2."), replies=("store_error",),
              channels=("terminal",)),
    ErrorCode("template_too_large", (_("The fingerprint template is larger than %(size)d bytes."),), _("The decoded template is too large."),
              replies=("store_error",), channels=("terminal",), params={"size": MAX_TEMPLATE_BYTES}),
    ErrorCode("invalid_device_time", (_("device_time must be a date and time with its offset."),),
              _("device_time without an offset, or out of range."), channels=("terminal",)),
    ErrorCode("device_time_in_future", (_("device_time is more than 24 hours ahead."),), _("The terminal's clock is broken."),
              channels=("terminal",)),
)
ERROR_CODES = {error.code: error for error in ERRORS}

CLOSE_CODES = (
    CloseCode(auth.UNAUTHENTICATED, "unauthenticated",
              _("At the handshake: no token or an invalid one (the front desk), an unknown or revoked device token (a terminal).")),
    CloseCode(auth.FORBIDDEN, "forbidden",
              _("At the handshake: a device token of another gym; a staff user who may not enroll, or a member of another gym. After login: permission_denied.")),
    CloseCode(auth.NOT_FOUND, "not_found",
              _("At the handshake: an admin following a member that does not exist. After login: gym_not_found.")),
    CloseCode(auth.UNAVAILABLE, "unavailable",
              _("At any time: the server's message bus (Redis) does not answer (service_unavailable). Connect again later.")),
)

LIMITS = (
    (_("Frame size"), Formatted(_("%(size)d KB per frame received; larger frames are answered frame_too_large and the socket stays open."),
               size=protocol.MAX_FRAME_BYTES // 1024)),
    (_("template_data_set parts"), Formatted(_("Each part is under %(size)d KB."), size=protocol.MAX_SET_FRAME_BYTES // 1024)),
    (_("Template size"), Formatted(_("%(size)d bytes per finger, decoded."), size=MAX_TEMPLATE_BYTES)),
    (_("Language"), _("Texts are in the handshake's Accept-Language when it is English or Spanish, else in the gym's language.")),
    (_("Unknown address"), _("A path other than these two is refused at the handshake (HTTP 403).")),
)

# --- the AsyncAPI document ------------------------------------------------------------


def _text(value) -> str:
    return str(value)


def payload_schema(message: Message) -> dict:
    properties = {"type": {"type": "string", "const": message.type}}
    for item in message.fields:
        properties[item.name] = {**item.schema, "description": _text(item.description)}
    if message.key in ("error", "store_error"):
        codes = sorted(e.code for e in ERRORS if message.type in e.replies)
        properties["code"] = {**properties["code"], "enum": codes}
    return {
        "type": "object",
        "required": ["type", *(f.name for f in message.fields if f.required)],
        "properties": properties,
        "additionalProperties": message.open_payload,
    }


def _message_doc(message: Message) -> dict:
    return {
        "name": message.type,
        "title": message.type,
        "summary": _text(message.summary),
        "contentType": "application/json",
        "payload": payload_schema(message),
        "examples": [{"name": message.key, "payload": message.example}],
    }


def _ref(*parts: str) -> dict:
    return {"$ref": "#/" + "/".join(parts)}


def asyncapi(*, host: str = "127.0.0.1:8000") -> dict:
    """The AsyncAPI 3.0 document, its texts in the active language."""
    channels, operations = {}, {}
    for channel in CHANNELS:
        channels[channel.key] = {
            "address": channel.address,
            "title": _text(channel.title),
            "description": _text(channel.description),
            "parameters": {channel.parameter: {"description": _text(channel.parameter_description)}},
            "messages": {key: _ref("components", "messages", key) for key in (*channel.receives, *channel.sends)},
            "bindings": {
                "ws": {
                    "method": "GET",
                    "query": {"type": "object", "properties": {"token": {"type": "string", "description": _text(CREDENTIALS[channel.credentials[0]].title)}}},
                    "headers": {
                        "type": "object",
                        "properties": {
                            "Authorization": {"type": "string", "pattern": "^Bearer .+$"},
                            "Accept-Language": {"type": "string"},
                        },
                    },
                    "bindingVersion": "0.1.0",
                }
            },
        }
        security = [_ref("components", "securitySchemes", key) for key in channel.credentials]
        for key in channel.receives:
            message = MESSAGES[key]
            operation = {
                "action": "receive",
                "channel": _ref("channels", channel.key),
                "summary": _text(message.summary),
                "messages": [_ref("channels", channel.key, "messages", key)],
                "security": security,
            }
            replies = [reply for reply in message.replies if reply in channel.sends]
            if replies:
                operation["reply"] = {
                    "channel": _ref("channels", channel.key),
                    "messages": [_ref("channels", channel.key, "messages", reply) for reply in replies],
                }
            operations[f"{channel.key}_receive_{message.type}"] = operation
        for key in channel.sends:
            message = MESSAGES[key]
            operations[f"{channel.key}_send_{message.type}"] = {
                "action": "send",
                "channel": _ref("channels", channel.key),
                "summary": _text(message.summary),
                "messages": [_ref("channels", channel.key, "messages", key)],
            }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{settings.SPECTACULAR_SETTINGS['TITLE']}: {_text(_('fingerprint terminals'))}",
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "description": _text(_(
                "The WebSocket protocol of the fingerprint terminals and the front desk (seed 001): JSON text frames, "
                "each an object with a type. The REST API is described by OpenAPI at /api/schema/; this page at /api/docs/devices/."
            )),
        },
        "defaultContentType": "application/json",
        "x-errors": [
            {"code": e.code, "texts": e.rendered_texts(), "when": _text(e.when), "frames": list(e.replies),
             "channels": list(e.channels), **({"close": e.closes} if e.closes else {})}
            for e in ERRORS
        ],
        "x-close-codes": [{"code": c.code, "name": c.name, "when": _text(c.when)} for c in CLOSE_CODES],
        "x-limits": {"max_frame_bytes": protocol.MAX_FRAME_BYTES, "max_set_frame_bytes": protocol.MAX_SET_FRAME_BYTES,
                     "max_template_bytes": MAX_TEMPLATE_BYTES},
        "servers": {
            "gymsite": {"host": host, "protocol": "ws", "description": _text(_("This site (wss behind HTTPS)."))},
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {message.key: _message_doc(message) for message in MESSAGES.values()},
            "securitySchemes": {
                key: {**credential.scheme, "description": _text(credential.description)} for key, credential in CREDENTIALS.items()
            },
        },
    }


# --- the page -------------------------------------------------------------------------


def type_label(schema: dict) -> str:
    if "oneOf" in schema:
        return " | ".join(type_label(option) for option in schema["oneOf"])
    kind = schema.get("type", "")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"array of {type_label(schema.get('items', {}))}"
    if "enum" in schema:
        return f"{kind}: " + ", ".join(json.dumps(value) for value in schema["enum"])
    return kind + (f" ({schema['format']})" if "format" in schema else "")


def page_context() -> dict:
    """What the template shows, its texts in the active language."""

    def message_view(key: str) -> dict:
        message = MESSAGES[key]
        return {
            "key": message.key,
            "type": message.type,
            "summary": _text(message.summary),
            "fields": [
                {"name": f.name, "type": type_label(f.schema), "required": f.required, "description": _text(f.description)}
                for f in message.fields
            ],
            "open": message.open_payload,
            "replies": [MESSAGES[reply].type for reply in message.replies],
            "example": json.dumps(message.example, ensure_ascii=False, indent=2),
        }

    return {
        "channels": [
            {
                "key": c.key,
                "address": c.address,
                "parameter": c.parameter,
                "parameter_description": _text(c.parameter_description),
                "title": _text(c.title),
                "description": _text(c.description),
                "credentials": [{"title": _text(CREDENTIALS[k].title), "description": _text(CREDENTIALS[k].description)} for k in c.credentials],
                "receives": [message_view(key) for key in c.receives],
                "sends": [message_view(key) for key in c.sends],
            }
            for c in CHANNELS
        ],
        "errors": [
            {"code": e.code, "texts": e.rendered_texts(), "when": _text(e.when), "frames": e.replies,
             "channels": e.channels, "closes": e.closes}
            for e in ERRORS
        ],
        "close_codes": CLOSE_CODES,
        "reasons": [(value, _text(label)) for value, label in REASONS],
        "limits": [(_text(name), _text(text)) for name, text in LIMITS],
    }
