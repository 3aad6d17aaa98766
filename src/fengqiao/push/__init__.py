"""The push tier: live updates to open browser tabs (docs/decisions/0009-push-tier.md).

Writers call `fengqiao.push.send(audience, kind, payload)`; `fengqiao push serve` holds the tabs'
connections (server.py) and fans events out (hub.py)."""


def send(audience, kind: str, payload: dict | None = None) -> None:
    """See services.send (imported here lazily: this package is imported before apps are ready)."""
    from fengqiao.push.services import send as _send

    _send(audience, kind, payload)


def send_many(events) -> None:
    """See services.send_many: several (audience, kind, payload) in one INSERT after commit."""
    from fengqiao.push.services import send_many as _send_many

    _send_many(events)
