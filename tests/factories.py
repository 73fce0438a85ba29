import factory

from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class GymFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gym
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Gym {n}")
    address = "1 Test Street"
    time_zone = "America/Mexico_City"
    currency = "MXN"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    full_name = factory.LazyAttribute(lambda o: o.username.title())
    role = Role.TRAINER
    gym = factory.SubFactory(GymFactory)

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save()


class MemberFactory(factory.django.DjangoModelFactory):
    """A member with no membership (status pending). Billing's tests give them periods
    through billing's services; other apps may set the summary fields directly."""

    class Meta:
        model = "members.Member"

    gym = factory.SubFactory(GymFactory)
    first_name = factory.Sequence(lambda n: f"Member{n}")
    last_name = "Test"
    phone = factory.Sequence(lambda n: f"555-{n:04d}")
    gender = "other"
