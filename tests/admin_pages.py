"""What the admin page tests share: a staff user signed in to the admin site, and the
header that asks for Spanish pages."""

from django.test import Client

ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


def signed_in(user) -> Client:
    """A browser-like client with `user`'s admin session (not the API's token)."""
    client = Client()
    client.force_login(user)
    return client
