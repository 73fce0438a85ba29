import io
import json
import logging

import pytest

from gymsite.core.logs import JsonFormatter
from gymsite.core.request_id import RequestIdFilter

# The devices tests' sockets: in-memory channel layer, a fresh presence, their gym.
from tests.devices.conftest import _devices_settings, gym2  # noqa: F401


class Captured:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def json_log():
    """Everything logged (DEBUG and up, every logger) as the site writes it: JSON lines
    through the request-id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
