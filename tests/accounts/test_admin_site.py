"""The admin's index: the gym's work first, the technical sections under "System" at the
end (periodic tasks still reachable there), all of it in Spanish for a Spanish page."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from attendance.models import Attendance
from gymsite.accounts.admin_site import SYSTEM_APPS
from tests.admin_pages import ES, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)

def sections(html: str) -> list[str]:
    return re.findall(r'<div class="app-(\w+) module', html)


def test_technical_sections_are_grouped_under_system_at_the_end(owner):
    response = owner.get("/admin/")
    html = response.content.decode()
    assert sections(html) == ["accounts", "attendance", "backups", "billing", "classes", "devices", "inspections", "inventory", "members", "training", "system"]
    system = html[html.index('<div class="app-system module'):]
    system = system[:system.index("</table>")]
    for model in ["periodictask", "crontabschedule", "outstandingtoken", "blacklistedtoken", "group"]:
        assert f'class="model-{model}' in system, model
    assert system.index("model-periodictask") < system.index("model-outstandingtoken")
    assert not {app["app_label"] for app in response.context["app_list"]} & set(SYSTEM_APPS)
    # Periodic tasks stay reachable (backups are scheduled there), and their own app page works.
    assert 'href="/admin/django_celery_beat/periodictask/"' in system
    assert owner.get("/admin/django_celery_beat/periodictask/").status_code == 200
    assert owner.get("/admin/django_celery_beat/").status_code == 200
    # No navigation sidebar: the lists get the width of a laptop's screen.
    assert 'id="nav-sidebar"' not in owner.get("/admin/members/member/").content.decode()


def test_the_index_and_lists_read_in_spanish(owner, gym):
    html = owner.get("/admin/", **ES).content.decode()
    for label in ["Sistema", "Tareas periódicas", "Tokens emitidos", "Tokens en lista negra", "Miembros", "Pagos"]:
        assert label in html, label
    for english in ["Token Blacklist", "Blacklisted Tokens", "Outstanding Tokens", "TOKEN BLACKLIST"]:
        assert english not in html, english
    tokens = owner.get("/admin/token_blacklist/outstandingtoken/", **ES).content.decode()
    assert "Outstanding" not in tokens and "tokens emitidos" in tokens

    audit = owner.get("/admin/accounts/auditevent/", **ES).content.decode()
    assert "Por gimnasio" in audit and "Por gym" not in audit
    assert ">Token de API</a>" in audit  # the actor type, capitalised like its siblings

    member = MemberFactory(gym=gym)
    start = datetime(2026, 11, 1, 15, tzinfo=UTC)
    Attendance.objects.bulk_create(
        Attendance(member=member, gym=gym, check_in_at=start + timedelta(days=day), local_date=(start + timedelta(days=day)).date(),
                   result="granted", source="front_desk")
        for day in range(19)
    )
    attendance = owner.get("/admin/attendance/attendance/", **ES).content.decode()
    assert "19 asistencias" in attendance and "19 asistencia\n" not in attendance
    members = owner.get("/admin/members/member/", **ES).content.decode()
    assert "Full name" not in members and "FULL NAME" not in members
