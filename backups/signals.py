"""What runs after every migrate: the change-capture triggers on every table, and the
default schedules."""

from __future__ import annotations


def after_migrate(sender, using="default", **kwargs):
    from . import capture, schedules

    capture.triggers_install(using=using)
    schedules.schedules_ensure(using=using)
