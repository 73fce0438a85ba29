"""gymsite.core.mail: text with an HTML alternative, rendered in the recipient's language."""

from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from gymsite.core.mail import send_templated_mail


@pytest.fixture
def mail_templates(tmp_path: Path, settings):
    folder = tmp_path / "probe" / "email"
    folder.mkdir(parents=True)
    (folder / "hello.txt").write_text("{% load i18n %}{% translate 'member' %}: {{ name }}\n")
    (folder / "hello.html").write_text("{% load i18n %}<p>{% translate 'member' %}: <b>{{ name }}</b></p>\n")
    engines = [dict(settings.TEMPLATES[0], DIRS=[tmp_path, *settings.TEMPLATES[0]["DIRS"]])]
    with override_settings(TEMPLATES=engines):
        yield "probe/email/hello"


def test_sends_text_with_html_alternative_in_the_language_asked(mail_templates):
    sent = send_templated_mail(
        template=mail_templates,
        subject="Hola\nmundo",
        context={"name": "Ana <x>"},
        to=["ana@example.com"],
        language="es",
    )
    assert sent == 1
    [message] = mail.outbox
    assert message.subject == "Hola mundo"
    assert message.to == ["ana@example.com"]
    assert message.body == "miembro: Ana <x>\n"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert html == "<p>miembro: <b>Ana &lt;x&gt;</b></p>\n"


def test_nobody_to_tell_sends_nothing(mail_templates):
    assert send_templated_mail(template=mail_templates, subject="x", context={}, to=[]) == 0
    assert mail.outbox == []
