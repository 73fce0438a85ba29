"""The admin index is the dashboard of one gym: its figures as the page shows them, the
gym chosen by an admin, in English and Spanish, with a bounded number of queries."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory

from backups.models import Backup
from dashboard.admin import dashboard_gym
from tests.admin_pages import ES, signed_in

from .data import NOW, build_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def figure(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>\s*<span class="value">([^<]*)</span>', html)
    assert match, element_id
    return match.group(1)


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index('<div class="module', start + 1) if '<div class="module' in html[start + 1:] else None]


def test_the_index_shows_the_gyms_figures(owner, gym, other_gym, at_now):
    month = build_month(gym)
    build_month(other_gym)
    response = owner.get(f"/admin/?gym={gym.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<div class="dashboard-board" id="dashboard" data-gym="{gym.pk}">' in html
    assert "<h1>Main Gym</h1>" in html and "Sunday, March 15, 2026 · America/Mexico_City" in html

    members = section(html, "dashboard-members")
    counts = dict(re.findall(r'figure-(\w+)" href="[^"]*"><span class="value">(\d+)<', members))
    assert counts == {"active": "2", "paused": "1", "pending": "1", "expired": "2", "inactive": "1"}
    assert f'href="/admin/members/member/?gym__id__exact={gym.pk}&amp;status=active&amp;is_active__exact=1"' in members
    assert figure(html, "dashboard-new-members") == "2" and figure(html, "dashboard-renewals") == "1"
    assert "new in March 2026" in members

    revenue = section(html, "dashboard-revenue")
    total = re.search(r'<tr class="revenue-total total">(.*?)</tr>', revenue, re.S).group(1)
    assert re.findall(r'data-currency="MXN">\$([\d,.]+) MXN', total) == ["850.00", "100.00", "300.00"]
    cash = re.search(r'<tr class="revenue-cash">(.*?)</tr>', revenue, re.S).group(1)
    assert re.findall(r'\$([\d,.]+) MXN', cash) == ["550.00", "0.00", "200.00"]
    assert "+750%" in total  # against Feb 1-15

    expiring = section(html, "dashboard-expiring")
    assert "Expiring in the next 7 days: 2" in expiring
    assert f'<a href="/admin/members/member/{month.members["gil"].pk}/change/">Gil Test</a>' in expiring
    assert f'<a href="/admin/members/member/{month.members["ana"].pk}/change/">Ana Test</a>' in expiring
    assert expiring.index("Gil Test") < expiring.index("Ana Test") and "5 days left" in expiring

    assert figure(html, "dashboard-checkins-today") == "2" and figure(html, "dashboard-inside-now") == "1"
    inside = section(html, "dashboard-checkins")
    assert "Ana Test" in inside and "Bruno Test" not in inside
    assert 'datetime="2026-03-15T11:30:00-06:00"' in inside  # at the gym's clock

    assert "Revenue per day, last 30 days" in html
    assert html.count('class="bar"') == 30 + 30  # a bar per day in both charts
    assert 'aria-label="Check-ins by weekday and hour"' in html and html.count('class="heat heat-') == 7 * 24
    assert "<title>Fri 21:00 · Check-ins: 1</title>" in html
    low = section(html, "dashboard-low-stock")
    assert "Water" in low and "Towel" not in low and "Old bar" not in low
    assert "Connected now: 0" in html and "Front door" in html
    # Nothing from another host: no script, stylesheet or image of a CDN.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_spanish(owner, gym, at_now):
    build_month(gym)
    html = owner.get("/admin/", **ES).content.decode()
    for text in ["Miembros", "nuevos en marzo de 2026", "renovaciones en marzo de 2026", "Ingresos en marzo de 2026",
                 "Vencen en los próximos 7 días: 2", "Asistencias de hoy", "dentro ahora",
                 "Stock bajo", "Conectadas ahora: 0", "Ingresos por día", "Efectivo", "Domingo, 15 de marzo de 2026",
                 "Copias de seguridad", "Las copias de seguridad requieren atención"]:
        assert text in html, text
    for english in ["Revenue", "Check-ins", "Low stock", "inside now", "Expiring", "Sunday"]:
        assert english not in html, english


def test_an_admin_chooses_the_gym_and_it_is_remembered(owner, gym, other_gym, at_now):
    build_month(other_gym)
    html = owner.get(f"/admin/?gym={other_gym.pk}").content.decode()
    assert f'data-gym="{other_gym.pk}"' in html and "Europe/Madrid" in html and "EUR" in html
    assert f'<option value="{other_gym.pk}" selected>' in html
    # Next visit, no ?gym=: the same gym; an unknown or malformed one changes nothing.
    for query in ["", "?gym=999999", "?gym=abc", "?gym=-1"]:
        response = owner.get(f"/admin/{query}")
        assert response.status_code == 200 and f'data-gym="{other_gym.pk}"' in response.content.decode()


def test_staff_of_a_gym_see_their_own(gym, other_gym, trainer):
    request = RequestFactory().get(f"/admin/?gym={other_gym.pk}")
    request.user, request.session = trainer, {}
    assert dashboard_gym(request, [gym, other_gym]) == gym


def test_the_index_page_costs_a_bounded_number_of_queries(owner, gym, at_now, django_assert_max_num_queries):
    build_month(gym)
    owner.get("/admin/")
    with django_assert_max_num_queries(24):
        owner.get("/admin/")


def test_no_gym_yet_shows_the_plain_index(owner):
    html = owner.get("/admin/").content.decode()
    assert 'id="dashboard"' not in html and "Site administration" in html


def backup(**fields) -> Backup:
    values = {"type": "full", "requested_type": "full", "status": "succeeded", "in_progress": None,
              "trigger": "scheduled", "started_at": NOW - timedelta(minutes=6), "finished_at": NOW - timedelta(minutes=5)}
    return Backup.objects.create(**{**values, **fields})


def test_the_backup_panel(owner, gym, at_now):
    panel = section(owner.get("/admin/").content.decode(), "dashboard-backup")
    assert "Backups need attention" in panel and panel.count("None yet.") == 2
    assert 'href="/admin/backups/backup/"' in panel

    good = backup(size=2_500_000, file_name="full-1.tar.zst", verified_at=NOW - timedelta(minutes=1), verified_ok=True)
    panel = section(owner.get("/admin/").content.decode(), "dashboard-backup")
    assert '<span class="backup-status backup-status-ok">Backups are fine</span>' in panel
    assert f'href="/admin/backups/backup/{good.pk}/change/"' in panel
    assert "Full" in panel and "Succeeded" in panel and "2.4\xa0MB" in panel and "restorable" in panel
    assert 'datetime="2026-03-15T11:55:00-06:00"' in panel  # finished, at the gym's clock

    failed = backup(type="incremental", requested_type="incremental", status="failed", size=None,
                    finished_at=NOW - timedelta(minutes=1), error="disk full")
    panel = section(owner.get("/admin/").content.decode(), "dashboard-backup")
    assert "Backups are failing" in panel and f"/admin/backups/backup/{failed.pk}/change/" in panel
    assert "Incremental" in panel and '<span class="backup-result-failed">Failed</span>' in panel
    good.verified_ok, good.verification_error = False, "checksum mismatch"
    good.save()
    panel = section(owner.get("/admin/").content.decode(), "dashboard-backup")
    assert "failed</span>: checksum mismatch" in panel

    running = backup(status="running", in_progress=True, finished_at=None)
    panel = section(owner.get("/admin/").content.decode(), "dashboard-backup")
    assert "a backup is running now" in panel and str(running.pk) not in panel
