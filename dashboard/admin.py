"""The admin index as the owner's dashboard of one gym (`dashboard_context`, registered on
the admin site by apps.py): an admin chooses the gym (`?gym=`, remembered in the session);
any other staff user sees their own. The figures come from `selectors.dashboard_figures`
and the charts from `charts`, all rendered here, in the gym's time zone."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backups.models import BackupStatus, BackupType
from gymsite.accounts.admin_display import money
from gymsite.accounts.admin_time import gym_time, row_clock, short_date
from gymsite.accounts.models import Gym
from gymsite.core.money import PaymentMethod
from members.admin import INACTIVE, STATUS_LABELS, status_badge
from members.models import MemberStatus

from . import charts
from .selectors import Dashboard, dashboard_figures

SESSION_KEY = "dashboard_gym"
STATUS_ORDER = [MemberStatus.ACTIVE, MemberStatus.PAUSED, MemberStatus.PENDING, MemberStatus.EXPIRED, INACTIVE]


def dashboard_gym(request: HttpRequest, gyms: list[Gym]) -> Gym | None:
    """The gym the page shows. Staff of a gym: theirs, whatever `?gym=` says. An admin:
    `?gym=` when it names a gym, else the one chosen before, else their own, else the
    first by name."""
    user = request.user
    by_id = {gym.pk: gym for gym in gyms}
    if not user.is_admin:
        return by_id.get(user.gym_id)
    wanted = request.GET.get("gym", "")
    if wanted.isdigit() and int(wanted) in by_id:
        request.session[SESSION_KEY] = int(wanted)
        return by_id[int(wanted)]
    for gym_id in (request.session.get(SESSION_KEY), user.gym_id):
        if gym_id in by_id:
            return by_id[gym_id]
    return gyms[0] if gyms else None


def _url(name: str, *args, **query) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _amount_title(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _change(now: Decimal, before: Decimal) -> int | None:
    """The change in percent, rounded; None when there was nothing before."""
    if not before:
        return None
    return round((now - before) * 100 / before)


def _revenue_rows(board: Dashboard) -> list[dict]:
    currency = board.gym.currency
    rows = []
    for method, label in [*PaymentMethod.choices, ("total", _("Total"))]:
        if method == "total":
            this, last, same = board.this_month.total, board.last_month.total, board.last_month_to_date.total
        else:
            this = board.this_month.method_total(method)
            last = board.last_month.method_total(method)
            same = board.last_month_to_date.method_total(method)
        rows.append({
            "method": method,
            "label": label,
            "this_month": money(this, currency),
            "last_month_to_date": money(same, currency),
            "last_month": money(last, currency),
            "change": _change(this, same),
        })
    return rows


def _charts(board: Dashboard) -> dict:
    currency = board.gym.currency

    def day_label(day) -> str:
        # Every fifth day back from today is labelled, today included.
        return str(day.day) if (board.today - day).days % 5 == 0 else ""

    revenue = charts.bar_chart(
        [
            charts.Bar(day_label(day), amount,
                       f"{formats.date_format(day, 'MONTH_DAY_FORMAT')}: {_amount_title(amount, currency)}")
            for day, amount in board.revenue_per_day
        ],
        label=_("Revenue per day, last %(days)d days") % {"days": len(board.revenue_per_day)},
        css="chart-bars chart-revenue",
    )
    visits = charts.bar_chart(
        [
            charts.Bar(day_label(day), count,
                       f"{formats.date_format(day, 'MONTH_DAY_FORMAT')} · "
                       + _("Check-ins: %(count)d") % {"count": count})
            for day, count in board.checkins_per_day
        ],
        label=_("Check-ins per day, last %(days)d days") % {"days": len(board.checkins_per_day)},
        css="chart-bars chart-checkins",
    )
    weekdays = [str(WEEKDAYS_ABBR[n]) for n in range(7)]
    heat = charts.heatmap(
        board.heatmap,
        row_labels=weekdays,
        label=_("Check-ins by weekday and hour"),
        cell_title=lambda row, hour, value: _("%(weekday)s %(hour)02d:00") % {"weekday": weekdays[row], "hour": hour}
        + " · " + _("Check-ins: %(count)d") % {"count": value},
    )
    return {"revenue": revenue, "visits": visits, "heatmap": heat}


def _members(board: Dashboard) -> list[dict]:
    gym_id = board.gym.pk
    rows = []
    for status in STATUS_ORDER:
        query = {"is_active__exact": 0} if status == INACTIVE else {"status": status, "is_active__exact": 1}
        rows.append({
            "status": status,
            "label": STATUS_LABELS[status],
            "badge": status_badge(status),
            "count": board.members[status],
            "url": _url("members_member_changelist", gym__id__exact=gym_id, **query),
        })
    return rows


BACKUP_STATUS = {
    "OK": ("ok", gettext_lazy("Backups are fine")),
    "WARNING": ("warning", gettext_lazy("Backups need attention")),
    "ERROR": ("error", gettext_lazy("Backups are failing")),
}


def _backup(board: Dashboard, gym: Gym) -> dict:
    """The backups panel: the system's last backup and verification (backups.selectors),
    times at this gym's clock, each linked to the backups admin."""
    overview = board.backup
    css, label = BACKUP_STATUS.get(overview["system_status"], ("warning", overview["system_status"]))
    last = overview["last_backup"]
    verification = overview["last_verification"]
    return {
        "css": css,
        "label": label,
        "is_running": overview["is_running"],
        "next": gym_time(overview["next_scheduled"], gym) if overview["next_scheduled"] else None,
        "last": last and {
            "url": _url("backups_backup_change", last["id"]),
            "type": BackupType(last["type"]).label if last["type"] in BackupType.values else last["type"],
            "status": last["status"],
            "status_label": BackupStatus(last["status"]).label if last["status"] in BackupStatus.values else last["status"],
            "finished_at": gym_time(last["finished_at"], gym),
            "size": last["size"],
            "file_name": last["file_name"],
        },
        "verification": verification and {
            "url": _url("backups_backup_change", verification["backup_id"]),
            "at": gym_time(verification["at"], gym),
            "ok": verification["ok"],
            "error": verification["error"],
        },
        "url": _url("backups_backup_changelist"),
    }


def dashboard_html(request: HttpRequest, board: Dashboard, gyms: list[Gym]) -> str:
    gym = board.gym
    with row_clock(gym.tz):  # every time on the dashboard at the gym's clock
        context = {
            "board": board,
            "gym": gym,
            "gyms": gyms if request.user.is_admin and len(gyms) > 1 else [],
            "today": formats.date_format(board.today, "DATE_FORMAT"),
            "weekday": formats.date_format(board.today, "l"),
            "month": formats.date_format(board.today, "YEAR_MONTH_FORMAT"),
            "last_month": formats.date_format(board.last_month_start, "YEAR_MONTH_FORMAT"),
            "same_day": board.today.day,
            "members": _members(board),
            "members_url": _url("members_member_changelist", gym__id__exact=gym.pk),
            "revenue": _revenue_rows(board),
            "payments_total": money(board.this_month.payments_total, gym.currency),
            "sales_total": money(board.this_month.sales_total, gym.currency),
            "payments_url": _url("billing_payment_changelist", gym__id__exact=gym.pk),
            "expiring": [
                {
                    "name": member.full_name,
                    "url": _url("members_member_change", member.pk),
                    "phone": member.phone,
                    "plan": member.current_plan_name,
                    "expires_on": short_date(member.expires_on),
                    "days_left": (member.expires_on - board.today).days,
                }
                for member in board.expiring
            ],
            "expiring_url": _url("members_member_changelist", gym__id__exact=gym.pk, expiring="next_7_days"),
            "inside": [
                {
                    "name": visit.member.full_name,
                    "url": _url("members_member_change", visit.member_id),
                    "since": gym_time(visit.check_in_at, gym, format_name="TIME_FORMAT"),
                }
                for visit in board.inside
            ],
            "checkins_url": _url(
                "attendance_attendance_changelist", gym__id__exact=gym.pk, result__exact="granted",
                local_date__year=board.today.year, local_date__month=board.today.month,
                local_date__day=board.today.day,
            ),
            "low_stock": [
                {"name": product.name, "url": _url("inventory_product_change", product.pk),
                 "quantity": product.quantity, "threshold": product.low_stock_threshold}
                for product in board.low_stock
            ],
            "low_stock_more": board.low_stock_more,
            "products_url": _url("inventory_product_changelist", gym__id__exact=gym.pk),
            "devices": [
                {"name": device.name, "url": _url("devices_device_change", device.pk),
                 "last_seen": gym_time(device.last_seen_at, gym)}
                for device in board.devices
            ],
            "devices_url": _url("devices_device_changelist", gym__id__exact=gym.pk),
            "charts": _charts(board),
            "backup": _backup(board, gym),
            "zone": gym.time_zone,
        }
        return render_to_string("dashboard/index.html", context, request=request)


def dashboard_context(request: HttpRequest) -> dict:
    """The index's dashboard: `{"dashboard": html}` (nothing when there is no gym yet)."""
    gyms = list(Gym.objects.order_by("name", "id"))
    gym = dashboard_gym(request, gyms)
    if gym is None:
        return {}
    board = dashboard_figures(gym=gym)
    return {"dashboard": dashboard_html(request, board, gyms), "dashboard_gym": gym}
