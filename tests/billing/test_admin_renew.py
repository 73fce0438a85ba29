"""Renewing from the admin: the members list's action and the member page's button run the
API's renewal service (stacked period, payment, audit), all or none, for one gym."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import Membership, Payment
from gymsite.accounts.models import AuditEvent
from members.models import Member
from tests.admin_pages import ES, signed_in
from tests.billing.factories import PlanFactory, give_membership
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/members/member/"
NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # noon in Mexico City


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def plans(gym):
    return PlanFactory(gym=gym, name="Mensual", price=Decimal("500.00")), PlanFactory(
        gym=gym, name="Trimestral", price=Decimal("1350.00"), duration_count=3
    )


def action(owner, ids, **data):
    return owner.post(LIST, {"action": "renew_with_plan", "_selected_action": [str(i) for i in ids], **data})


def test_the_action_asks_for_the_plan_then_renews_each_member(owner, gym, plans, other_gym):
    monthly, quarterly = plans
    PlanFactory(gym=other_gym, name="Elsewhere")
    ana = MemberFactory(gym=gym, first_name="Ana")
    give_membership(ana, monthly, starts_on=date(2026, 11, 20))  # covered until Dec 20
    beto = MemberFactory(gym=gym, first_name="Beto")  # never had one
    page = action(owner, [ana.pk, beto.pk], index="0")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Renew these 2 members of Main Gym" in html and "Elsewhere" not in html
    # Each plan with the price it charges; the members' plan chosen when they share one.
    assert f'<option value="{quarterly.pk}">Trimestral — $1,350.00 MXN</option>' in html
    single = action(owner, [ana.pk], index="0").content.decode()
    assert f'<option value="{monthly.pk}" selected>Mensual' in single
    assert Membership.objects.count() == 1  # nothing yet

    done = action(owner, [ana.pk, beto.pk], apply="1", plan=str(quarterly.pk), method="card", amount="")
    assert done.status_code == 302 and done["Location"] == LIST
    ana.refresh_from_db(), beto.refresh_from_db()
    assert ana.expires_on == date(2027, 3, 21) and beto.expires_on == date(2027, 2, 28)
    assert list(Payment.objects.filter(method="card").values_list("amount", flat=True)) == [Decimal("1350.00")] * 2
    assert AuditEvent.objects.filter(action="membership.renewed").count() == 2
    assert "Members renewed with Trimestral: 2." in owner.get(LIST).content.decode()


def test_the_member_page_has_a_renew_button_that_comes_back_to_it(owner, gym, plans):
    monthly, _ = plans
    ana = MemberFactory(gym=gym, first_name="Ana")
    page_url = f"/admin/members/member/{ana.pk}/change/"
    html = owner.get(page_url).content.decode()
    assert 'name="action" value="renew_with_plan"' in html and f'name="_selected_action" value="{ana.pk}"' in html
    form = action(owner, [ana.pk], index="0", next=page_url).content.decode()
    assert f'name="next" value="{page_url}"' in form
    done = action(owner, [ana.pk], apply="1", plan=str(monthly.pk), method="cash", amount="450.00", next=page_url)
    assert done.status_code == 302 and done["Location"] == page_url
    assert Payment.objects.get().amount == Decimal("450.00")
    assert "Ana Test renewed with Mensual: covered until 12/30/2026." in owner.get(page_url).content.decode()
    # An offsite "next" is never followed.
    evil = action(owner, [ana.pk], apply="1", plan=str(monthly.pk), method="cash", next="https://evil.example/")
    assert evil["Location"] == LIST


def test_bad_input_changes_nothing(owner, gym, other_gym, plans):
    monthly, _ = plans
    ana = MemberFactory(gym=gym)
    far = MemberFactory(gym=other_gym)
    foreign = PlanFactory(gym=other_gym, name="Foreign")
    # A plan of another gym, a missing method, a negative amount: the form again, with errors.
    for data in [{"plan": str(foreign.pk), "method": "cash"}, {"plan": str(monthly.pk)},
                 {"plan": str(monthly.pk), "method": "cash", "amount": "-1"}, {"plan": "x", "method": "gold"}]:
        response = action(owner, [ana.pk], apply="1", **data)
        assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    # Members of two gyms at once: refused with a message.
    response = action(owner, [ana.pk, far.pk], index="0")
    assert response.status_code == 302
    assert "Choose members of one gym" in owner.get(LIST).content.decode()
    assert not Membership.objects.exists() and not Payment.objects.exists()


def test_a_refusal_renews_nobody(owner, gym, plans):
    """One member's renewal refused (past the calendar's horizon): none of them is."""
    monthly, _ = plans
    ok = MemberFactory(gym=gym)
    stuck = MemberFactory(gym=gym)
    Member.objects.filter(pk=stuck.pk).update(expires_on=date(2199, 12, 30), membership_starts_on=date(2199, 12, 1),
                                              membership_since=date(2199, 12, 1))
    Membership.objects.create(member=stuck, gym=gym, plan=monthly, purchased_price=Decimal("1"),
                              starts_on=date(2199, 12, 1), expires_on=date(2199, 12, 30))
    response = action(owner, [ok.pk, stuck.pk], apply="1", plan=str(monthly.pk), method="cash")
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert Membership.objects.count() == 1 and not Payment.objects.exists()


def test_in_spanish(owner, gym, plans):
    ana = MemberFactory(gym=gym)
    html = owner.post(LIST, {"action": "renew_with_plan", "_selected_action": [str(ana.pk)], "index": "0"},
                      **ES).content.decode()
    for text in ["Renovar con un plan", "Método", "Monto", "Déjelo vacío"]:
        assert text in html, text
