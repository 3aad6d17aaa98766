"""Where a user's view of the data ends. Every list, detail, API endpoint and export goes through here.

A record belongs to a station (and, for registry records, to a community).
- county-bureau users see every station of their bureau;
- everyone else sees their own station;
- a community officer edits only the communities assigned to them, plus any a
  leader has granted (`registry.CommunityGrant`); leaders edit the whole station.
"""

from __future__ import annotations

from django.db import models

from fengqiao.accounts.roles import BUREAU_ROLES, LEADER_ROLES


class ScopedQuerySet(models.QuerySet):
    station_path = "station"
    community_path: str | None = "community"

    def visible_to(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.role in BUREAU_ROLES and user.bureau_id:
            return self.filter(**{f"{self.station_path}__bureau_id": user.bureau_id})
        if user.station_id:
            return self.filter(**{f"{self.station_path}_id": user.station_id})
        return self.none()

    def editable_by(self, user):
        from fengqiao.accounts.roles import REGISTRY_EDIT_ROLES

        visible = self.visible_to(user)
        if user is None or not user.is_authenticated:
            return visible
        if user.is_superuser or user.role in LEADER_ROLES:
            return visible
        if user.role not in REGISTRY_EDIT_ROLES:
            return visible.none()
        if self.community_path is None:
            return visible.none()
        return visible.filter(**{f"{self.community_path}__in": editable_community_ids(user)})


def editable_community_ids(user) -> list[int]:
    """Communities whose records the user may change (assigned, or granted by a leader and not expired)."""
    from django.utils import timezone

    from fengqiao.registry.models import Community, CommunityGrant

    if user.is_superuser or user.role in LEADER_ROLES:
        return list(Community.objects.visible_to(user).values_list("id", flat=True))
    assigned = set(
        Community.objects.filter(officers=user, station_id=user.station_id).values_list(
            "id", flat=True
        )
    )
    granted = set(
        CommunityGrant.objects.filter(user=user, community__station_id=user.station_id)
        .filter(models.Q(until__isnull=True) | models.Q(until__gt=timezone.now()))
        .values_list("community_id", flat=True)
    )
    return sorted(assigned | granted)
