"""gymsite.core.changes: the one form of a partial update."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from gymsite.core.changes import apply_changes, audit_value, check_editable
from gymsite.core.errors import Invalid


def test_unknown_fields_are_refused_with_one_code():
    with pytest.raises(Invalid) as caught:
        check_editable({"name": "x", "gym": 1, "id": 3}, ("name",))
    assert caught.value.code == "field_not_editable"
    assert sorted(caught.value.errors) == ["gym", "id"]


def test_known_fields_pass():
    check_editable({"name": "x"}, ("name", "price"))
    check_editable({}, ())


def test_apply_changes_reports_only_real_changes():
    row = SimpleNamespace(name="Yoga", price=Decimal("10.00"), starts=date(2026, 1, 1))
    changed = apply_changes(row, {"name": "Yoga", "price": Decimal("12.50"), "starts": date(2026, 2, 1)})
    assert changed == {"price": ["10.00", "12.50"], "starts": ["2026-01-01", "2026-02-01"]}
    assert row.price == Decimal("12.50") and row.starts == date(2026, 2, 1)


def test_audit_values_are_json_ready():
    assert audit_value(date(2026, 11, 30)) == "2026-11-30"
    assert audit_value(Decimal("5.00")) == "5.00"
    assert audit_value(None) is None
