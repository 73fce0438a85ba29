"""The Spanish catalogue: complete, compiled, in step with the code, and actually served.

Most of the gyms' staff and members speak Spanish (DESIGN.md: English source strings,
Spanish shipped, chosen with `Accept-Language: es`; seed texts are the translations).
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from attendance.models import Attendance, AttendanceResult, AttendanceSource
from billing import services as billing_services
from billing.models import DurationUnit
from gymsite.accounts.models import Gym
from members.models import Member
from tests.billing.factories import PlanFactory, give_membership
from tests.conftest import UNDER_CI
from tests.factories import MemberFactory

PO_PATH = Path(settings.BASE_DIR, "locale", "es", "LC_MESSAGES", "django.po")
MO_PATH = PO_PATH.with_suffix(".mo")
# The same command as `make messages` (Makefile), so the test checks what the team runs.
MAKEMESSAGES_IGNORES = [".venv/*", "var/*", "tests/*", "bench/*"]
MX = ZoneInfo("America/Mexico_City")
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


# --- the catalogue ----------------------------------------------------------------------


def parse_po(text: str) -> list[dict]:
    """Entries of a .po file (header excluded): msgid, msgstr, flags, refs, obsolete."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        obsolete = all(line.startswith("#~") for line in lines if not line.startswith("#:"))
        if obsolete:
            lines = [line[2:].lstrip() for line in lines if line.startswith("#~")]
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            keyword = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) ", line)
            if keyword:
                current = keyword.group(1)
                fields[current] = ast.literal_eval(line[keyword.end():])
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if "msgid" not in fields or (not fields["msgid"] and "msgctxt" not in fields and not obsolete):
            continue  # the header
        msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
        entries.append({
            "msgid": fields["msgid"],
            "msgctxt": fields.get("msgctxt"),
            "msgstrs": msgstrs,
            "flags": {f.strip() for line in lines if line.startswith("#,") for f in line[2:].split(",")},
            "refs": [ref for line in lines if line.startswith("#: ") for ref in line[3:].split()],
            "obsolete": obsolete,
        })
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}", text))


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


def test_parse_po_sees_untranslated_fuzzy_and_obsolete_entries():
    """The checks below rely on the parser; it must see each kind of bad entry."""
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#: a.py:1\nmsgid "Done."\nmsgstr ""\n\n'
        '#: a.py:2\n#, fuzzy, python-format\nmsgid "%(n)d left"\nmsgstr "quedan %(n)d"\n\n'
        '#: a.py:3\nmsgid ""\n"Two "\n"lines"\nmsgstr ""\n"Dos "\n"líneas"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Ido"\n'
    )
    assert [e["msgid"] for e in entries] == ["Done.", "%(n)d left", "Two lines", "Gone"]
    assert entries[0]["msgstrs"] == [""]
    assert "fuzzy" in entries[1]["flags"] and entries[1]["refs"] == ["a.py:2"]
    assert entries[2]["msgstrs"] == ["Dos líneas"]
    assert [e["obsolete"] for e in entries] == [False, False, False, True]


def test_every_msgid_has_a_spanish_translation(catalogue):
    """No entry of any app is untranslated, fuzzy or obsolete, and every translation keeps
    the placeholders of its source string."""
    problems = []
    for entry in catalogue:
        where = " ".join(entry["refs"]) or "(no reference)"
        if entry["obsolete"]:
            problems.append(f"obsolete #~ entry: {entry['msgid']!r}")
        elif "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {entry['msgid']!r} ({where})")
        elif not all(entry["msgstrs"]):
            problems.append(f"untranslated: {entry['msgid']!r} ({where})")
        elif any(placeholders(entry["msgid"]) != placeholders(s) for s in entry["msgstrs"]):
            problems.append(f"placeholders differ: {entry['msgid']!r} -> {entry['msgstrs']!r}")
    assert not problems, "\n".join(problems)
    apps = {ref.split("/")[0] if not ref.startswith("gymsite/") else "/".join(ref.split("/")[:2])
            for entry in catalogue for ref in entry["refs"]}
    assert {"gymsite/accounts", "gymsite/core", "members", "billing", "attendance"} <= apps


def test_compiled_catalogue_matches_the_po(catalogue):
    """The shipped .mo is compiled from the current .po (compilemessages was run)."""
    with MO_PATH.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    stale = [
        entry["msgid"]
        for entry in catalogue
        if not entry["obsolete"] and not entry["msgctxt"]
        and compiled.gettext(entry["msgid"]) != entry["msgstrs"][0]
    ]
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale)


@pytest.mark.slow
def test_catalogue_is_in_step_with_the_code(tmp_path, catalogue):
    """makemessages over a copy of the working tree finds exactly the catalogue's msgids:
    a new string in the code (untranslated) or a string removed from it fails here."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        if UNDER_CI:
            pytest.fail("GNU gettext (xgettext, msgmerge) must be installed in CI")
        pytest.skip("GNU gettext is not installed")
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "tree"
    shutil.copytree(
        base,
        copy,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".*", "__pycache__", "*.pyc", "locale", "media", "node_modules",
            *(pattern.removesuffix("/*") for pattern in MAKEMESSAGES_IGNORES),
        ),
    )
    args = [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "-v", "0"]
    for pattern in MAKEMESSAGES_IGNORES:
        args += ["--ignore", pattern]
    env = {**os.environ, "DEBUG": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)  # the copy's own settings and apps, not the tree's
    done = subprocess.run(args, cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    extracted = parse_po((copy / "locale" / "es" / "LC_MESSAGES" / "django.po").read_text("utf-8"))

    def keys(entries):
        return {(e["msgctxt"], e["msgid"]) for e in entries if not e["obsolete"]}

    new = keys(extracted) - keys(catalogue)
    gone = keys(catalogue) - keys(extracted)
    assert not new and not gone, (
        "locale/es is out of step with the code; run `make messages` and translate.\n"
        + "".join(f"new in the code: {msgid!r}\n" for _, msgid in sorted(new, key=lambda pair: (pair[0] or "", pair[1])))
        + "".join(f"no longer in the code: {msgid!r}\n" for _, msgid in sorted(gone, key=lambda pair: (pair[0] or "", pair[1])))
    )


# --- responses in Spanish ---------------------------------------------------------------

NOW = datetime(2024, 5, 15, 18, 0, tzinfo=UTC)  # noon in Mexico City


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def member_with(gym, **overrides):
    """A member whose summary says: covered today, unless overridden."""
    today = NOW.astimezone(gym.tz).date()
    fields = {
        "gym": gym,
        "current_plan_name": "Mensual",
        "membership_since": today - timedelta(days=60),
        "membership_starts_on": today - timedelta(days=10),
        "expires_on": today + timedelta(days=20),
        **overrides,
    }
    for key, value in list(fields.items()):
        if type(value) is int:  # days from today
            fields[key] = today + timedelta(days=value)
    return MemberFactory(**fields)


@pytest.mark.parametrize(
    "overrides, status, code, detail",
    [
        ({"is_active": False}, 403, "member_inactive", "Este miembro está inactivo."),
        (
            {"current_plan_name": "", "membership_since": None, "membership_starts_on": None, "expires_on": None},
            403,
            "no_membership",
            "Este miembro no tiene membresía.",
        ),
        ({"paused_from": -2, "paused_until": 3}, 403, "membership_paused",
         "La membresía de este miembro está en pausa."),
        ({"expires_on": -1}, 403, "membership_expired", "La membresía de este miembro está vencida."),
    ],
)
def test_check_in_refusals_in_spanish(receptionist_client, gym, frozen, overrides, status, code, detail):
    member = member_with(gym, **overrides)
    url = f"/api/v1/members/{member.pk}/check-in"

    response = receptionist_client.post(url, **ES)

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"] == detail
    assert response["Content-Language"] == "es"
    # The same request without the header answers in English: the header chose Spanish.
    english = receptionist_client.post(url)
    assert english.json()["code"] == code
    assert english.json()["detail"] != detail and english.json()["detail"].isascii()


def test_check_in_granted_and_then_refused_as_a_repeat_in_spanish(receptionist_client, gym, frozen):
    member = member_with(gym)
    url = f"/api/v1/members/{member.pk}/check-in"
    first = receptionist_client.post(url, **ES)
    assert first.status_code == 201, first.content
    assert first.json()["detail"] == "Asistencia registrada correctamente."
    again = receptionist_client.post(url, **ES)
    assert again.status_code == 400
    assert again.json()["code"] == "already_checked_in"
    assert again.json()["detail"] == "Este miembro ya registró su asistencia hoy."
    missing = receptionist_client.post("/api/v1/members/999999/check-in", **ES)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Miembro no encontrado."


def enrollment(**extra):
    return {"first_name": "Ana", "last_name": "López", "phone": "5550001", "gender": "female", **extra}


def test_enrollment_errors_in_spanish(receptionist_client, gym):
    inactive = PlanFactory(gym=gym, name="Anual", is_active=False)
    cases = [
        ({"plan": 999999, "method": "cash"}, "does_not_exist", "Entrada inválida."),
        ({"plan": inactive.pk, "method": "cash"}, "plan_inactive", "Este plan no está activo."),
    ]
    for extra, code, detail in cases:
        response = receptionist_client.post("/api/v1/members/", enrollment(**extra), format="json", **ES)
        assert response.status_code == 400, response.content
        assert (response.json()["code"], response.json()["detail"]) == (code, detail)
    plan = PlanFactory(gym=gym, name="Mensual")
    response = receptionist_client.post(
        "/api/v1/members/", enrollment(plan=plan.pk, method="cash", amount="0"), format="json", **ES
    )
    assert response.status_code == 400
    assert response.json()["code"] == "amount_not_positive"
    assert "El monto debe ser mayor que cero." in str(response.json())
    assert not Member.objects.filter(gym=gym).exists()


def test_plan_in_use_conflict_in_spanish(admin_client, gym):
    plan = PlanFactory(gym=gym, name="Mensual")
    give_membership(MemberFactory(gym=gym), plan)
    response = admin_client.delete(f"/api/v1/plans/{plan.pk}", **ES)
    assert response.status_code == 409, response.content
    assert response.json()["detail"] == "Este plan tiene membresías; inactívelo en lugar de eliminarlo."


def test_member_validation_errors_in_spanish(receptionist_client, gym):
    future = (date.today() + timedelta(days=30)).isoformat()
    response = receptionist_client.post(
        "/api/v1/members/", enrollment(birth_date=future, gender="robot"), format="json", **ES
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Entrada inválida."
    assert body["errors"]["birth_date"] == ["Indique una fecha de nacimiento real."]
    assert body["errors"]["gender"] == ['"robot" no es una elección válida.']

    MemberFactory(gym=gym, email="ana@example.com")
    response = receptionist_client.post(
        "/api/v1/members/", enrollment(email="ANA@example.com"), format="json", **ES
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"] == "Un miembro de este gimnasio ya tiene estos datos."
    assert response.json()["errors"]["email"] == ["Un miembro de este gimnasio ya tiene este correo electrónico."]


def test_enum_labels_in_spanish_in_the_admin(admin_user, gym, frozen):
    """No API endpoint returns display labels (enum values stay English); the admin does."""
    plan = PlanFactory(gym=gym, name="Mensual", price=Decimal("500.00"), duration_unit=DurationUnit.MONTH)
    member = member_with(gym, gender="male", expires_on=-1)
    give_membership(MemberFactory(gym=gym, gender="female"), plan, method="transfer")
    Attendance.objects.create(
        member=member, gym=gym, check_in_at=NOW, local_date=NOW.astimezone(gym.tz).date(),
        result=AttendanceResult.DENIED, reason="membership_expired", source=AttendanceSource.FRONT_DESK,
    )
    client = Client()
    client.force_login(admin_user)

    def page(url):
        response = client.get(url, **ES)
        assert response.status_code == 200, url
        return response.content.decode()

    payments = page("/admin/billing/payment/")
    assert "Transferencia" in payments and "Efectivo" in payments  # column and filter
    assert "Mes" in page("/admin/billing/plan/")
    members = page("/admin/members/member/")
    for label in ["Activo", "Vencido", "Pendiente", "En pausa", "Masculino", "Femenino", "Otro"]:
        assert label in members, label
    attendance = page("/admin/attendance/attendance/")
    for label in ["Denegado", "Membresía vencida", "Recepción", "Lector de huella digital"]:
        assert label in attendance, label


# --- the expiry reminder email ----------------------------------------------------------


@pytest.fixture
def lapsed(gym):
    """Lucía's monthly membership covered Jan 1 to Feb 1, 2026 (Jan 1 + 1 month)."""
    plan = PlanFactory(gym=gym, name="Mensual", duration_unit=DurationUnit.MONTH)
    member = MemberFactory(gym=gym, first_name="Lucía", email="lucia@example.com")
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=MX), tick=False):
        give_membership(member, plan)
    return member


def test_expired_reminder_in_spanish(lapsed, settings):
    """The reminder's language is the gym's (members have no account to keep one in):
    Gym.language wins over LANGUAGE_CODE, and the language active in the thread that
    sends does not leak into the mail."""
    settings.LANGUAGE_CODE = "en"
    Gym.objects.filter(name="Main Gym").update(language="es")
    with translation.override("en"):
        sent = billing_services.expiry_reminders_send(now=datetime(2026, 2, 2, 9, tzinfo=MX))
    assert sent == {"upcoming": 0, "expired": 1}
    (message,) = mail.outbox
    assert message.to == ["lucia@example.com"]
    assert message.subject == "Tu membresía de Main Gym ha vencido"
    assert message.body.startswith("Hola Lucía:\n")
    assert "Tu membresía Mensual en Main Gym venció el 1 de febrero de 2026." in message.body
    assert "renueva en recepción" in message.body
    assert not re.search(r"\b(Hello|Your|expired|membership|January)\b", message.body)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and '<html lang="es">' in html and "<p>Hola Lucía:</p>" in html
    assert "venció el domingo, 1 de febrero de 2026" not in html and "venció el 1 de febrero de 2026" in html


def test_upcoming_reminder_in_spanish_follows_language_code(gym, settings):
    settings.LANGUAGE_CODE = "es"
    plan = PlanFactory(gym=gym, name="Trimestral", duration_count=3, duration_unit=DurationUnit.MONTH)
    member = MemberFactory(gym=gym, first_name="Jorge", email="jorge@example.com")
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=MX), tick=False):
        give_membership(member, plan)  # covers Mar 1 to Jun 1 (Mar 1 + 3 months)
    reminder_day = date(2026, 6, 1) - timedelta(days=gym.expiry_reminder_days)
    sent = billing_services.expiry_reminders_send(now=datetime.combine(reminder_day, datetime.min.time(), MX)
                                                  + timedelta(hours=9))
    assert sent == {"upcoming": 1, "expired": 0}
    (message,) = mail.outbox
    assert message.subject == "Tu membresía de Main Gym vence el 1 de junio de 2026"
    assert "es válida hasta el 1 de junio de 2026." in message.body
    assert "Renuévala en recepción" in message.body


def test_every_email_has_a_text_and_an_html_body():
    """Emails live in templates/<app>/email/ (gymsite.core.mail), one template per body,
    translated through the catalogue rather than one file per language."""
    folder = Path(settings.BASE_DIR, "templates")
    text = {p.with_suffix("") for p in folder.glob("*/email/*.txt")}
    html = {p.with_suffix("") for p in folder.glob("*/email/*.html")}
    assert text and text == html
    assert not list(Path(settings.BASE_DIR).glob("*/templates/*/email/*"))


def test_every_html_email_renders_in_the_one_layout():
    """Reminders, stock alerts, backup notices and class notices share templates/email/
    base.html: the same page, in the language the mail is written in."""
    from gymsite.core.mail import render_templated_mail

    folder = Path(settings.BASE_DIR, "templates")
    gym = Gym(name="Gimnasio Centro")
    for path in sorted(folder.glob("*/email/*.html")):
        template = str(path.relative_to(folder).with_suffix(""))
        _, html = render_templated_mail(template=template, context={"gym": gym}, language="es")
        assert html.startswith("<!DOCTYPE html>") and '<html lang="es">' in html, template
        assert 'style="background:#264b5d' in html, template  # the layout's heading bar
        if template.startswith("backups/"):  # system-wide: the heading names the backups
            assert "Copias de seguridad</td>" in html, template


# --- every label of the admin ------------------------------------------------------------


def admin_labels() -> list[tuple[str, object]]:
    """(where, label) for every label the admin shows an owner, in the active language:
    app and model names, list columns and filters, fieldset titles and the fields of each
    page (forms, read-only fields, inlines), third-party apps included."""
    from django.apps import apps
    from django.contrib import admin
    from django.contrib.admin.utils import get_fields_from_path, label_for_field
    from django.test import RequestFactory

    from gymsite.accounts.models import User
    from gymsite.accounts.roles import Role

    request = RequestFactory().get("/admin/")
    request.user = User(username="labels", role=Role.ADMIN, is_active=True)
    found: list[tuple[str, object]] = []

    def page_fields(where, model, model_admin):
        if hasattr(model_admin, "get_formset"):  # an inline
            form = model_admin.get_formset(request, None).form()
        else:
            form = model_admin.get_form(request, None)()
        names = [*model_admin.get_fields(request, None), *model_admin.get_readonly_fields(request, None)]
        for title, options in model_admin.get_fieldsets(request, None):
            if title:
                found.append((f"{where} fieldset", title))
        for name in dict.fromkeys(names):
            # A form field shows its own label; a read-only one the admin's.
            label = form.fields[name].label if name in form.fields else label_for_field(name, model, model_admin)
            found.append((f"{where} field {name}", label))

    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        opts = model._meta
        where = opts.label
        found.append((f"{where} app", apps.get_app_config(opts.app_label).verbose_name))
        found.append((f"{where} name", opts.verbose_name))
        found.append((f"{where} plural name", opts.verbose_name_plural))
        for name in model_admin.get_list_display(request):
            if name != "action_checkbox":
                column = getattr(name, "__name__", name)  # a callable column: its name
                found.append((f"{where} column {column}", label_for_field(name, model, model_admin)))
        for spec in model_admin.get_list_filter(request):
            field = spec[0] if isinstance(spec, (tuple, list)) else spec
            if isinstance(field, str):
                title = get_fields_from_path(model, field)[-1].verbose_name
            else:
                title = field.title
            found.append((f"{where} filter {field}", title))
        page_fields(where, model, model_admin)
        for inline in model_admin.get_inline_instances(request):
            page_fields(f"{where} inline {inline.model._meta.label}", inline.model, inline)
    return found


def untranslated_admin_labels() -> list[str]:
    """The admin labels that read the same in Spanish as in English, unless the Spanish
    catalogue says so (a word the two languages share, such as "ID" or "plan")."""
    with translation.override("en"):
        english = [(where, str(label)) for where, label in admin_labels()]
    with translation.override("es"):
        spanish = [(where, str(label)) for where, label in admin_labels()]
        catalogue = translation.trans_real.translation("es")._catalog
    assert [where for where, _ in english] == [where for where, _ in spanish]
    return [
        f"{where}: {en!r}"
        for (where, en), (_where, es) in zip(english, spanish, strict=True)
        if en == es and catalogue.get(en) != es
    ]


@pytest.mark.django_db
def test_every_admin_label_has_a_spanish_translation():
    """No app name, model name, column, filter, fieldset or field the admin shows stays in
    English on a Spanish page: ours, Django's and the third-party apps' (token blacklist,
    periodic tasks), whose missing labels our catalogue supplies."""
    problems = untranslated_admin_labels()
    assert not problems, "admin labels without Spanish:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_the_admin_label_check_catches_an_untranslated_label(monkeypatch):
    from django.contrib import admin

    from members.models import Member

    member_admin = admin.site._registry[Member]

    def brand_new(obj):
        return ""

    brand_new.short_description = "Brand new column"  # no gettext: English everywhere
    monkeypatch.setattr(member_admin, "list_display", [*member_admin.list_display, brand_new])
    assert untranslated_admin_labels() == ["members.Member column brand_new: 'Brand new column'"]
