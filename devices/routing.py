"""Devices' WebSocket routes (seed 001): terminals on /ws/gym/{gym_id}, the front desk
following a member's enrollment on /ws/user/{member_id}."""

from django.urls import re_path

from .consumers.desk import DeskConsumer
from .consumers.terminal import TerminalConsumer

websocket_urlpatterns = [
    re_path(r"^ws/gym/(?P<gym_id>[1-9]\d{0,17})/?$", TerminalConsumer.as_asgi()),
    re_path(r"^ws/user/(?P<member_id>[1-9]\d{0,17})/?$", DeskConsumer.as_asgi()),
]
