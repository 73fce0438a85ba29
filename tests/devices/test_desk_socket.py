"""/ws/user/{member_id}: the front-desk screen; and GET /ws/health."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

from .conftest import (
    Socket,
    active_member,
    consenting_member,
    desk_socket,
    jwt_for,
    new_terminal,
    run,
    terminal_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_token_a_bad_one_or_another_gyms_member_is_refused(gym2, other_gym2, front_desk):
    mine = active_member(gym2)
    foreign = active_member(other_gym2)
    mechanic = UserFactory(username="mech", role="mechanic", gym=gym2)
    jwt, mechanic_jwt = jwt_for(front_desk), jwt_for(mechanic)

    async def scenario():
        for path, code in [
            (f"/ws/user/{mine.pk}", 4401),
            (f"/ws/user/{mine.pk}?token=nonsense", 4401),
            (f"/ws/user/{foreign.pk}?token={jwt}", 4403),
            (f"/ws/user/{mine.pk}?token={mechanic_jwt}", 4403),
        ]:
            socket = await Socket(path).open()
            assert await socket.closed_with() == code, path

    run(scenario)


def test_fingerprint_connected_without_a_terminal_is_the_seed_error(gym2, front_desk):
    member = consenting_member(gym2)
    jwt = jwt_for(front_desk)

    async def scenario():
        desk = await desk_socket(member.pk, jwt)
        reply = await desk.ask({"type": "fingerprint_connected", "gym_id": str(gym2.pk)})
        await desk.close()
        return reply

    assert run(scenario) == {"type": "error", "error": "Gym connection not found", "code": "gym_connection_not_found"}


def test_enrollment_needs_consent_and_the_desk_may_name_the_member(gym2, front_desk):
    _, token = new_terminal(gym2)
    member = active_member(gym2)  # no consent
    other = consenting_member(gym2)
    jwt = jwt_for(front_desk)

    async def scenario():
        terminal = await terminal_socket(gym2.pk, token)
        desk = await desk_socket(member.pk, jwt)
        refused = await desk.ask({"type": "fingerprint_connected", "gym_id": gym2.pk})
        assert await terminal.nothing()
        await desk.send({"type": "user", "user_id": other.pk})
        start = await terminal.recv()
        unknown = await desk.ask({"type": "dance"})
        await terminal.close()
        await desk.close()
        return refused, start, unknown

    refused, start, unknown = run(scenario)
    assert refused["code"] == "consent_required"
    assert start["type"] == "start_enrollment" and start["user_id"] == str(other.pk)
    assert unknown["code"] == "unknown_type"


def test_ws_health_counts_connections_for_staff_and_only_the_count_for_anyone(gym2, front_desk):
    _, token = new_terminal(gym2)
    member = active_member(gym2)
    jwt = jwt_for(front_desk)

    async def scenario():
        return await terminal_socket(gym2.pk, token), await desk_socket(member.pk, jwt)

    import asyncio

    async def with_sockets():
        terminal, desk = await scenario()
        from channels.db import database_sync_to_async

        def read():
            staff = APIClient()
            staff.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt}")
            return staff.get("/ws/health").json(), APIClient().get("/ws/health").json()

        bodies = await database_sync_to_async(read)()
        await terminal.close()
        await desk.close()
        return bodies

    staff_body, anonymous_body = asyncio.run(with_sockets())
    assert staff_body == {
        "status": "healthy",
        "active_connections": 2,
        "connected_users": [str(member.pk)],
        "gym_subscriptions": {str(gym2.pk): 1},
    }
    assert anonymous_body == {"status": "healthy", "active_connections": 2}


def test_unknown_websocket_paths_are_still_refused(gym2):
    async def scenario():
        from channels.testing import WebsocketCommunicator

        from .conftest import application

        for path in ["/ws/nowhere", "/ws/gym/abc", "/ws/gym/0", "/ws/user/"]:
            connected, _ = await WebsocketCommunicator(application(), path).connect(timeout=5)
            assert not connected, path

    run(scenario)


def test_a_client_without_origin_connects_and_a_foreign_origin_is_refused(gym2):
    """Seed 001's terminal client sends no Origin; a page of another site does."""
    from channels.testing import WebsocketCommunicator

    from gymsite.core.websocket import AllowedHostsOrNoOriginValidator

    from .conftest import application

    app = AllowedHostsOrNoOriginValidator(application())

    async def scenario():
        path = f"/ws/gym/{gym2.pk}"
        connected, _ = await WebsocketCommunicator(app, path).connect(timeout=5)
        assert connected
        foreign = [(b"origin", b"https://evil.example.com")]
        connected, _ = await WebsocketCommunicator(app, path, headers=foreign).connect(timeout=5)
        assert not connected
        own = [(b"origin", b"http://testserver")]
        connected, _ = await WebsocketCommunicator(app, path, headers=own).connect(timeout=5)
        assert connected

    run(scenario)
