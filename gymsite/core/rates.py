"""Rates as settings write them ("600/min"), and the per-scope table. Pure Python: the
settings parse them at start, so a wrong value stops the process with a clear message."""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """"600/min", "10/s", "1000/hour", "5/2m"... (the unit's first letter counts)."""
        number, _sep, period = str(text).strip().partition("/")
        count = int(number)
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period.lstrip("0123456789").strip()[:1].lower()
        if count < 1 or unit not in PERIODS:
            raise ValueError(f"invalid rate {text!r}: expected e.g. 600/min")
        return cls(count, int(digits or 1) * PERIODS[unit])

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def parse_scopes(text: str) -> dict[str, str]:
    """RATE_LIMIT_SCOPES: "scope=rate,scope=rate" (e.g. "members-export=30/min")."""
    scopes = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, rate = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"invalid RATE_LIMIT_SCOPES entry {item!r}: expected scope=rate")
        Rate.parse(rate)
        scopes[name.strip()] = rate.strip()
    return scopes
