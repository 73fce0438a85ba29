"""The audit log in the owner's words: a label per action (in the page's language), the
target by name linked to its page, the data as labelled fields."""

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from billing import services as billing_services
from gymsite.accounts.audit import Actor, audit_record
from gymsite.accounts.audit_labels import ACTION_LABELS
from gymsite.accounts.models import AuditEvent
from members import services as member_services
from tests.admin_pages import ES, signed_in
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)

def recorded_actions() -> set[str]:
    """Every action code the code records: `action="..."` (and each branch of a
    conditional), plus the reminder kinds of `f"membership.reminder_{kind}"`."""
    found = set()
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*.py"):
        if {".venv", "tests", "var", "bench", "migrations"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "action":
                found.update(
                    n.value for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str) and re.fullmatch(r"[a-z_]+\.[a-z]+(_[a-z]+)*", n.value)
                )
    from billing.models import ExpiryReminder

    found.update(f"membership.reminder_{kind}" for kind in ExpiryReminder.Kind.values)
    return found


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert {"payment.recorded", "member.enrolled", "user.deactivated", "attendance.checked_in"} <= actions
    assert not actions - ACTION_LABELS.keys(), f"actions without a label: {sorted(actions - ACTION_LABELS.keys())}"


def test_the_log_reads_labels_names_and_fields(owner, admin_user, gym):
    plan = PlanFactory(gym=gym, name="Mensual")
    member = MemberFactory(gym=gym, first_name="Ana", last_name="López")
    purchase = give_membership(member, plan, starts_on=date(2026, 11, 1), method="transfer")
    html = owner.get("/admin/accounts/auditevent/", **ES).content.decode()
    assert "Pago registrado" in html and "Membresía creada" in html
    assert "payment.recorded" not in html.replace('value="payment.recorded"', "").replace("action=payment.recorded", "")
    assert "billing.payment" not in html
    payment_url = f"/admin/billing/payment/{purchase.payment.pk}/change/"
    assert f'<a class="audit-target" href="{payment_url}">Ana López · 500.00 · Transferencia</a>' in html
    # The filter offers the labels too.
    assert re.search(r'<a href="\?action=payment.recorded"[^>]*>Pago registrado</a>', html)

    event = AuditEvent.objects.get(action="membership.created")
    detail = owner.get(f"/admin/accounts/auditevent/{event.pk}/change/", **ES).content.decode()
    fields = dict(re.findall(r'<dt data-key="(\w+)">[^<]*</dt><dd>(.*?)</dd>', detail, re.S))
    assert f'href="/admin/members/member/{member.pk}/change/">Ana López</a>' in fields["member"]
    assert "$500.00 MXN" in fields["purchased_price"]
    assert fields["starts_on"] == "1 de noviembre de 2026"
    assert '<dt data-key="purchased_price">precio pagado</dt>' in detail
    assert "{&quot;" not in detail and '{"member"' not in detail  # no raw JSON


def test_changes_read_old_to_new_and_a_deleted_target_by_its_name(owner, admin_user, gym):
    actor = Actor(user=admin_user)
    member = MemberFactory(gym=gym, first_name="Ana", last_name="López")
    plan = PlanFactory(gym=gym, name="Mensual")
    billing_services.plan_update(actor=actor, plan=plan, changes={"duration_unit": "year"})
    event = AuditEvent.objects.get(action="plan.changed")
    detail = owner.get(f"/admin/accounts/auditevent/{event.pk}/change/").content.decode()
    assert re.search(r"Month\s*<span class=\"audit-arrow\">→</span>\s*Year", detail)

    member_services.member_delete(actor=actor, member=member)
    gone = AuditEvent.objects.get(action="member.deleted")
    html = owner.get("/admin/accounts/auditevent/", {"action": "member.deleted"}).content.decode()
    assert "Member deleted" in html
    assert '<span class="audit-target audit-target-gone">Ana López (member, deleted)</span>' in html
    audit_record(actor=actor, action="member.changed", gym=gym)  # no target at all
    assert owner.get("/admin/accounts/auditevent/").status_code == 200
    assert owner.get(f"/admin/accounts/auditevent/{gone.pk}/change/").status_code == 200


def test_the_log_lists_a_page_of_events_in_a_few_queries(owner, admin_user, gym, django_assert_max_num_queries):
    plan = PlanFactory(gym=gym)
    for _ in range(10):
        give_membership(MemberFactory(gym=gym), plan)
    with django_assert_max_num_queries(20):
        assert owner.get("/admin/accounts/auditevent/").status_code == 200
