import pytest

from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory

from .helpers import add_question, make_checklist

OPTIONS = [
    {"label": "Good", "score": "10", "is_failed": False},
    {"label": "Worn", "score": "4", "is_failed": False},
    {"label": "Broken", "score": "0", "is_failed": True},
]


@pytest.fixture
def other_mechanic(gym):
    return UserFactory(username="mechanic2", role=Role.MECHANIC, gym=gym)


@pytest.fixture
def other_mechanic_client(other_mechanic):
    return client_for(other_mechanic)


@pytest.fixture
def foreign_mechanic(other_gym):
    return UserFactory(username="mechanic3", role=Role.MECHANIC, gym=other_gym)


@pytest.fixture
def checklist(gym):
    """One question of every type (max 10 + 5 + 8 + 4 + 2 + 10 + 6 = 45)."""
    checklist = make_checklist(gym, name="Treadmill check")
    q = {}
    q["belt"] = add_question(checklist, text="Belt tension", type="pass_fail", points="10", section="Mechanics", order=1, requires_comment_on_fail=True, allow_photos=True, max_photos=2)
    q["stop"] = add_question(checklist, text="Emergency stop works?", type="yes_no", points="5", section="Safety", order=2)
    q["noise"] = add_question(checklist, text="Motor noise", type="rating", points="8", section="Mechanics", order=3, allow_na=True)
    q["volts"] = add_question(checklist, text="Supply voltage", type="number", points="4", section="Electrical", order=4, min_value=210, max_value=240, required=False)
    q["notes"] = add_question(checklist, text="Notes", type="text", points="2", section="General", order=5, required=False)
    q["deck"] = add_question(checklist, text="Deck state", type="multiple_choice", points="0", section="Mechanics", order=6, options=OPTIONS)
    q["photo"] = add_question(checklist, text="Photo of the console", type="photo", points="6", section="General", order=7, max_photos=3)
    checklist.refresh_from_db()
    checklist.q = q
    return checklist


@pytest.fixture
def png():
    from .helpers import png_bytes

    return png_bytes()
