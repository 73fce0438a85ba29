"""The WebSocket consumers of seed 001, one module per concern:

- `protocol`: frames in and out (size, JSON, errors) and the texts of the protocol;
- `auth`: who is at the other end (device token, staff login, staff JWT);
- `presence`: who is connected, across processes (the cache);
- `terminal`: /ws/gym/{gym_id}, the fingerprint terminals;
- `desk`: /ws/user/{member_id}, the front-desk screen that follows one member's enrollment.
"""
