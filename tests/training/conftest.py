import pytest

from .helpers import make_exercise, make_member


@pytest.fixture
def member(gym):
    return make_member(gym, first_name="Ana", last_name="García")


@pytest.fixture
def foreign_member(other_gym):
    return make_member(other_gym, first_name="Foreign", last_name="Member")


@pytest.fixture
def squat(db):
    return make_exercise(None, name="Back squat", category="strength", equipment="barbell",
                         muscle_groups=["quadriceps", "glutes"])


@pytest.fixture
def bench(db):
    return make_exercise(None, name="Bench press", category="strength", equipment="barbell",
                         muscle_groups=["chest", "triceps"])


@pytest.fixture
def gym_exercise(gym):
    return make_exercise(gym, name="Sled push", category="strength", equipment="other", muscle_groups=["quadriceps"])


@pytest.fixture
def foreign_exercise(other_gym):
    return make_exercise(other_gym, name="Foreign lunge")
