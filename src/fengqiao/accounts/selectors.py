"""Reads of people that more than one part needs.

station_leaders(station)   -> the active 所领导 of a station (a Station or its id), oldest account first
"""

from __future__ import annotations

from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import User


def station_leaders(station):
    """The station's 所领导: active users whose role is Role.STATION_LEADER, by primary key.

    Only that role: a 系统管理员 (Role.ADMIN) shares the leaders' powers (LEADER_ROLES) but is not a
    leader of the station, so the notifications addressed to "the station leaders" (red disputes,
    escalated alerts, the sweeper's last warning level, roster swaps, unassigned fraud warnings, case
    red lines) never go to administrators."""
    station_id = getattr(station, "pk", station)
    return User.objects.filter(
        station_id=station_id, role=Role.STATION_LEADER, is_active=True
    ).order_by("pk")
