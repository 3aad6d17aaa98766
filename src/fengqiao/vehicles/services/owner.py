"""The owner app: issue a key, find the vehicle by it, arm and disarm."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fengqiao.vehicles.choices import EventKind
from fengqiao.vehicles.models import Vehicle
from fengqiao.vehicles.services.commands import _set_armed
from fengqiao.vehicles.services.common import _event, _require_editable


def _key_hash(raw: str) -> str:
    import hashlib

    return hashlib.sha256((raw or "").encode()).hexdigest()


@transaction.atomic
def owner_key_issue(*, actor, vehicle: Vehicle) -> str:
    """A new key for the owner's app (shown once; the previous key stops working)."""
    import secrets

    from fengqiao.vehicles.models import OwnerKey

    _require_editable(actor, vehicle)
    now = timezone.now()
    OwnerKey.objects.filter(vehicle=vehicle, revoked_at__isnull=True).update(revoked_at=now)
    raw = secrets.token_urlsafe(24)
    OwnerKey.objects.create(
        vehicle=vehicle, key_hash=_key_hash(raw), issued_at=now, issued_by=actor
    )
    _event(vehicle, EventKind.OWNER_KEY, actor, now)
    return raw


def owner_vehicle(raw_key: str) -> Vehicle | None:
    """The vehicle an owner app's key opens (None: unknown or revoked)."""
    from fengqiao.vehicles.models import OwnerKey

    if not raw_key or len(raw_key) > 100:
        return None
    key = (
        OwnerKey.objects.filter(key_hash=_key_hash(raw_key), revoked_at__isnull=True)
        .select_related("vehicle")
        .first()
    )
    if key is None:
        return None
    OwnerKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key.vehicle


@transaction.atomic
def owner_arm(*, vehicle: Vehicle, armed: bool) -> Vehicle:
    """设防/撤防 by the owner's app (no staff actor; the event records the channel)."""
    return _set_armed(vehicle, armed, None, "owner_app")
