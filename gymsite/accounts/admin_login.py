"""The admin site's login form: the email or the username in one box, checked and throttled
by the same service as the API's login (services.auth_admin_login), so failures at the
admin and at the API count against one limit per account."""

from __future__ import annotations

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gymsite.core.errors import NotAllowed, Throttled, Unavailable

from . import services
from .audit import client_ip

# An email is at most 254 characters (RFC 5321), a username 150.
IDENTIFIER_MAX_LENGTH = 254


class AdminLoginForm(AdminAuthenticationForm):
    """Keeps the field names of Django's form (`username`, `password`), so the admin's login
    template renders it unchanged."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter the correct email or username and password for a staff account. "
            "Note that the password is case-sensitive."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("Email or username")
        field.max_length = IDENTIFIER_MAX_LENGTH
        field.widget.attrs["maxlength"] = str(IDENTIFIER_MAX_LENGTH)

    def clean(self):
        identifier = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if identifier and password:
            try:
                self.user_cache = services.auth_admin_login(
                    identifier=identifier, password=password, ip=client_ip(self.request)
                )
            except Throttled as throttled:
                minutes = max(1, math.ceil(throttled.retry_after / 60))
                raise forms.ValidationError(
                    ngettext(
                        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                        minutes,
                    ),
                    code="throttled",
                    params={"minutes": minutes},
                )
            except Unavailable as unavailable:
                raise forms.ValidationError(str(unavailable.detail), code=unavailable.code)
            except (services.InvalidCredentials, NotAllowed):
                raise self.get_invalid_login_error()
        return self.cleaned_data
