from datetime import UTC, datetime

import pytest
import time_machine

# A Wednesday. Mexico City (the `gym` fixture) is UTC-6 all year: 12:00 local.
NOW = datetime(2026, 5, 13, 18, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
