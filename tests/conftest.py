"""Shared fixtures: gyms, one staff user per role, authenticated API clients.

Tests talk to PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (CI sets them)
and to SQLite / in-memory otherwise. A test marked `postgres` or `redis` fails under CI
when the service is missing instead of skipping.

A test run never reads .env (gymsite/settings.py, under pytest), and neither do the
processes the tests start: they inherit GYMSITE_ENV_FILE=/dev/null from here.
"""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role

from .factories import GymFactory, UserFactory

UNDER_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

os.environ["GYMSITE_ENV_FILE"] = os.devnull


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not settings.IS_POSTGRES:
        if UNDER_CI:
            pytest.fail("this test needs PostgreSQL: CI must set DATABASE_URL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        if UNDER_CI:
            pytest.fail("this test needs Redis: CI must set REDIS_URL")
        pytest.skip("needs Redis (set REDIS_URL)")


@pytest.fixture(autouse=True)
def _clean_cache():
    from gymsite.accounts.authentication import verified_tokens

    cache.clear()
    verified_tokens.clear()
    yield
    cache.clear()
    verified_tokens.clear()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def gym(db) -> Gym:
    return GymFactory(name="Main Gym", time_zone="America/Mexico_City", currency="MXN")


@pytest.fixture
def other_gym(db) -> Gym:
    return GymFactory(name="Other Gym", time_zone="Europe/Madrid", currency="EUR")


@pytest.fixture
def admin_user(db) -> User:
    return UserFactory(username="admin", email="admin@gym.com", role=Role.ADMIN, gym=None)


@pytest.fixture
def trainer(gym) -> User:
    return UserFactory(username="trainer", email="trainer@gym.com", role=Role.TRAINER, gym=gym)


@pytest.fixture
def receptionist(gym) -> User:
    return UserFactory(
        username="receptionist", email="receptionist@gym.com", role=Role.RECEPTIONIST, gym=gym
    )


@pytest.fixture
def mechanic(gym) -> User:
    return UserFactory(username="mechanic", email="mechanic@gym.com", role=Role.MECHANIC, gym=gym)


@pytest.fixture
def staff(admin_user, trainer, receptionist, mechanic) -> dict[str, User]:
    return {
        Role.ADMIN: admin_user,
        Role.TRAINER: trainer,
        Role.RECEPTIONIST: receptionist,
        Role.MECHANIC: mechanic,
    }


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


@pytest.fixture
def eager(settings):
    """Celery tasks run in the caller: a task enqueued after a commit (an email) runs at
    once, in the test's thread."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from gymsite.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def trainer_client(trainer) -> APIClient:
    return client_for(trainer)


@pytest.fixture
def receptionist_client(receptionist) -> APIClient:
    return client_for(receptionist)


@pytest.fixture
def mechanic_client(mechanic) -> APIClient:
    return client_for(mechanic)
