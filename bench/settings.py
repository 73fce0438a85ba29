"""Settings for the HTTP benchmarks: the project's settings, plus bench.urls for the floors."""

from gymsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

