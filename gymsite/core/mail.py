"""One way to send an email: a plain-text body with an HTML alternative, both rendered from
the project's templates in the recipient's language.

Every app's emails (membership reminders, low-stock alerts, backup notices, class
notices) live under the top-level `templates/<app>/email/` as `<name>.txt` and
`<name>.html`, and go out through `send_templated_mail`, so a gym's emails look alike
and are written in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_templated_mail(*, template: str, context: dict, language: str | None = None) -> tuple[str, str]:
    """The (text, html) bodies of `template` (`<template>.txt` and `<template>.html`),
    rendered in `language` (the active language when None); only the HTML is escaped."""
    with translation.override(language or translation.get_language()):
        # Plain text is not HTML: no escaping of "<", "&" or quotes in names.
        text = get_template(f"{template}.txt").template.render(Context(context, autoescape=False))
        html = render_to_string(f"{template}.html", context)
    return text, html


def send_templated_mail(
    *,
    template: str,
    subject: str,
    context: dict,
    to: Sequence[str],
    language: str | None = None,
    from_email: str | None = None,
    fail_silently: bool = False,
) -> int:
    """Send one email to `to` (each address sees the others: use one call per recipient
    for members). The subject is given already translated; the bodies are rendered in
    `language`. Returns what Django's send returns (1 when sent)."""
    if not to:
        return 0
    text, html = render_templated_mail(template=template, context=context, language=language)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # a header never carries a newline
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    message.attach_alternative(html, "text/html")
    return message.send(fail_silently=fail_silently)
