"""Attention, not noise: the home page's work queue grouped by kind, repeats folded, bulk acknowledge.

`groups_for(user, items)` takes the work-queue items (core.workqueue.items_for) and returns groups:

- one group per kind of thing (告警, 时限, 纠纷, 通知 of one kind...), with how many rows and items;
- inside a group, the items about the same record fold into one row with a repeat count: the
  announcement of alert 42, its "告警未确认 10 分钟" reminder and the leader's "未确认告警" item are one
  row "×3"; notifications without a record fold when their kind and title are the same;
- the person's own work first: decisions waiting for them and their assigned records (clocks,
  disputes, cases...) before broadcast notifications and alerts — except for the command room and
  the duty officer, whose own work *is* the alerts.

Acknowledging: a row's `refs` are what "确认" acts on ("notification:12" marks the user's own
notification read; "command.alert:5" acknowledges the alert by name). Each part that offers
acknowledgeable items registers `register_acknowledger("<app>.<model>", fn)`, where
`fn(actor, ids) -> (done, refused)` checks role and scope itself and records what it did (the
command room registers "command.alert"). Notifications are this part's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao import push
from fengqiao.core.audit import log_bulk
from fengqiao.core.models import ChangeAction
from fengqiao.core.workqueue import _RANK as LEVEL_RANK
from fengqiao.core.workqueue import WorkItem, sort_key
from fengqiao.notifications.models import Notification

NOTIFICATION = "notification"
# How many rows a group shows before the rest fold under "其余 N 项".
SHOWN_PER_GROUP = 5
# Refs of one POST: more is not a person clicking.
MAX_REFS = 500

# Labels of the notification kinds the platform sends (the group's title); others read "通知".
NOTIFICATION_KIND_LABELS = {
    "command_alert": gettext_lazy("告警"),
    "command_alert_escalated": gettext_lazy("告警"),
    "dispute_red": gettext_lazy("红色纠纷"),
    "case_red_line": gettext_lazy("红线问题"),
    "case_weekly_notice": gettext_lazy("案管周通报"),
    "callback_rectification": gettext_lazy("回访整改"),
    "callback_complaint": gettext_lazy("回访投诉"),
    "lawstudy_reminder": gettext_lazy("法规学习"),
    "lawstudy_absent": gettext_lazy("法规学习"),
    "clock": gettext_lazy("时限预警"),
}
# Groups that are broadcasts rather than someone's assigned work.
BROADCAST = frozenset({"alert", "notification"})
# Roles whose own daily work is the alerts (指挥室, 值班民警).
ALERT_DESK_ROLES = frozenset({"command", "duty_officer"})
DECISIONS = frozenset({"clock_extension", "command_swap"})

Acknowledger = Callable[[object, list[int]], tuple[int, int]]
_acknowledgers: dict[str, Acknowledger] = {}


def register_acknowledger(label: str, fn: Acknowledger) -> None:
    """`label` is "<app_label>.<model>" (lower case) of the records `fn` acknowledges."""
    _acknowledgers[label] = fn


def acknowledgers() -> dict[str, Acknowledger]:
    return {NOTIFICATION: _read_notifications, **_acknowledgers}


@dataclass
class Row:
    items: list[WorkItem]
    refs: list[str] = field(default_factory=list)
    reminders: int = 0  # reminders folded into a notification row (Notification.repeats)

    @property
    def first(self) -> WorkItem:
        return min(self.items, key=sort_key_severe)

    @property
    def title(self) -> str:
        return self.first.title

    @property
    def url(self) -> str:
        return self.first.url

    @property
    def level(self) -> str:
        return max((i.level for i in self.items), key=LEVEL_RANK.__getitem__)

    @property
    def css_class(self) -> str:
        return f"level-{self.level}" if self.level else ""

    @property
    def due_at(self):
        dated = [i.due_at for i in self.items if i.due_at is not None]
        return min(dated) if dated else None

    @property
    def kind(self) -> str:
        return self.first.kind

    @property
    def kind_label(self) -> str:
        return self.first.kind_label

    @property
    def repeats(self) -> int:
        """How many times the same thing came up beyond the first (folded items and reminders)."""
        return len(self.items) - 1 + self.reminders

    @property
    def ref_value(self) -> str:
        return ",".join(self.refs)


@dataclass
class Group:
    key: str
    label: str
    rows: list[Row] = field(default_factory=list)
    tier: int = 1

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def items(self) -> int:
        return sum(1 + r.repeats for r in self.rows)

    @property
    def shown(self) -> list[Row]:
        return self.rows[:SHOWN_PER_GROUP]

    @property
    def more(self) -> list[Row]:
        return self.rows[SHOWN_PER_GROUP:]

    @property
    def ackable(self) -> bool:
        return any(r.refs for r in self.rows)

    @property
    def level(self) -> str:
        return max((r.level for r in self.rows), key=LEVEL_RANK.__getitem__, default="")


def sort_key_severe(item: WorkItem):
    return (-LEVEL_RANK[item.level], *sort_key(item))


def _ref(obj) -> str | None:
    meta = getattr(obj, "_meta", None)
    if meta is None or getattr(obj, "pk", None) is None:
        return None
    return f"{meta.label_lower}:{obj.pk}"


def _subject(item: WorkItem) -> str | None:
    """The record an item is about: a notification's linked record, or the item's own record."""
    obj = item.object
    if item.kind == NOTIFICATION and obj is not None:
        if getattr(obj, "content_type_id", None) and getattr(obj, "object_id", None):
            ct = ContentType.objects.get_for_id(obj.content_type_id)
            return f"{ct.app_label}.{ct.model}:{obj.object_id}"
        return None
    return _ref(obj)


def _group_of(item: WorkItem, subject: str | None) -> tuple[str, str]:
    if subject and subject.startswith("command.alert:"):
        return "alert", _("告警")
    if item.kind == NOTIFICATION:
        kind = getattr(item.object, "kind", "") or ""
        label = NOTIFICATION_KIND_LABELS.get(kind)
        if kind.startswith("command_alert"):
            return "alert", _("告警")
        return f"notification:{kind}", str(label) if label else _("通知")
    return item.kind or "other", str(item.kind_label or item.kind or _("其他"))


def _tier(group_key: str, role: str) -> int:
    """0: decisions and the person's own records; 1: broadcasts. The alert desk's alerts are tier 0."""
    if group_key == "alert":
        return 0 if role in ALERT_DESK_ROLES else 1
    if group_key.startswith("notification"):
        return 1
    return 0


def _refs_of(item: WorkItem, subject: str | None) -> list[str]:
    refs = []
    if item.kind == NOTIFICATION and item.object is not None:
        refs.append(f"{NOTIFICATION}:{item.object.pk}")
        label = subject.split(":", 1)[0] if subject else None
        if label in _acknowledgers:
            refs.append(subject)
    else:
        ref = _ref(item.object)
        if ref and ref.split(":", 1)[0] in _acknowledgers:
            refs.append(ref)
    return refs


def groups_for(user, items: Iterable[WorkItem]) -> list[Group]:
    role = getattr(user, "role", "")
    groups: dict[str, Group] = {}
    rows: dict[tuple, Row] = {}
    for item in items:
        subject = _subject(item)
        gkey, label = _group_of(item, subject)
        group = groups.get(gkey)
        if group is None:
            group = groups[gkey] = Group(gkey, label, tier=_tier(gkey, role))
            if item.kind in DECISIONS:
                group.tier = -1  # someone waits for this person's decision
        fold = (gkey, subject) if subject else (gkey, item.title)
        row = rows.get(fold)
        if row is None:
            row = rows[fold] = Row([])
            group.rows.append(row)
        row.items.append(item)
        for ref in _refs_of(item, subject):
            if ref not in row.refs:
                row.refs.append(ref)
        if item.kind == NOTIFICATION:
            row.reminders += getattr(item.object, "repeats", 0) or 0
    for group in groups.values():
        group.rows.sort(key=lambda r: sort_key_severe(r.first))
    far = timezone.now().replace(year=9999)
    return sorted(
        groups.values(),
        key=lambda g: (
            g.tier,
            -LEVEL_RANK[g.level],
            min((r.due_at for r in g.rows if r.due_at), default=far),
            g.label,
        ),
    )


# ---------------------------------------------------------------- acknowledging


def parse_refs(values: Iterable[str]) -> dict[str, list[int]]:
    """ "label:id" strings (comma-separated allowed) → {label: [ids]}; ValueError on anything else."""
    out: dict[str, list[int]] = {}
    seen = 0
    for value in values:
        for part in (value or "").split(","):
            part = part.strip()
            if not part:
                continue
            label, sep, pk = part.rpartition(":")
            if not sep or not label or not pk.isdigit():
                raise ValueError(part)
            seen += 1
            if seen > MAX_REFS:
                raise ValueError("too many")
            ids = out.setdefault(label, [])
            if int(pk) not in ids:
                ids.append(int(pk))
    return out


def acknowledge(*, actor, refs: dict[str, list[int]]) -> dict:
    """Acknowledge what the actor ticked: each kind through its registered acknowledger (which checks
    role and scope and records). Returns {"done": n, "refused": n, "unknown": [labels]}."""
    table = acknowledgers()
    done = refused = 0
    unknown = []
    # The records first (an alert acknowledged), then the notifications about them read.
    for label in sorted(refs, key=lambda lb: lb == NOTIFICATION):
        fn = table.get(label)
        if fn is None:
            unknown.append(label)
            continue
        if label == NOTIFICATION and (refused or unknown):
            break  # the record was refused: its notifications stay as they are
        d, r = fn(actor, refs[label])
        done, refused = done + d, refused + r
    return {"done": done, "refused": refused, "unknown": unknown}


def _read_notifications(actor, ids: list[int]) -> tuple[int, int]:
    """Mark the actor's own notifications read (others' are refused: they are not theirs); recorded."""
    mine = list(Notification.objects.for_user(actor).filter(pk__in=ids))
    unread = [n for n in mine if n.read_at is None]
    now = timezone.now()
    if unread:
        Notification.objects.filter(pk__in=[n.pk for n in unread], read_at__isnull=True).update(
            read_at=now
        )
        for n in unread:
            n.read_at = now
        log_bulk(unread, ChangeAction.UPDATE, actor=actor)
        push.send(f"user:{actor.pk}", "notify.read", {"ids": [n.pk for n in unread]})
    return len(mine), len(ids) - len(mine)
