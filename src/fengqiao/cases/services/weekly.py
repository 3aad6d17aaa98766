"""The weekly summary and its Monday notice."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _


@transaction.atomic
def weekly_generate(*, actor=None, station, monday: dt.date):
    """Compute (or recompute) the week's figures and keep them: the page, the Word and xlsx files and
    the Monday notice all read the same stored data."""
    from fengqiao.cases.models import WeeklySummary
    from fengqiao.cases.selectors import weekly_figures

    if monday.weekday() != 0:
        raise ValidationError(_("周汇总须从周一开始"))
    if monday > timezone.localdate():
        raise ValidationError(_("不能生成未来一周的汇总"))

    with translation.override(
        "zh-hans"
    ):  # stored figures and the documents made from them are in Chinese
        data = weekly_figures(station, monday)
    summary, _created = WeeklySummary.objects.update_or_create(
        station=station,
        week_start=monday,
        defaults={"generated_at": timezone.now(), "generated_by": actor, "data": data},
    )
    return summary


@transaction.atomic
def weekly_notify(*, summary) -> int:
    """通报: every active user of the station gets the week's problems by name and unit (once)."""
    from fengqiao.accounts.models import User
    from fengqiao.cases.models import WeeklySummary
    from fengqiao.notifications.services import notification_send

    summary = WeeklySummary.objects.select_for_update().get(pk=summary.pk)
    if summary.notice_sent_at:
        return 0
    data = summary.data
    t = data["totals"]
    lines = [
        f"{data['week_start']}至{data['week_end']}:受案{t['received']}起,受理/立案{t['filed']}起,结案{t['closed']}起,"
        f"红线问题{t['flags_raised']}个(整改{t['flags_resolved']}个),目前未整改{t['open_flags']}个。"
    ]
    if data["problems"]:
        lines.append("存在问题:")
        lines += [
            f"{p['unit'] or '—'} {p['officer']}:{p['kind']} — {p['reason']}({p['status']})"
            for p in data["problems"]
        ]
    else:
        lines.append("本周有案不立、办理超期、查打不严均为零。")
    top = data["by_officer"][:3]
    if top:
        lines.append(
            "数据上榜:"
            + "、".join(f"{o['rank']}. {o['officer']}({o['unit']}){o['score']}分" for o in top)
        )
    recipients = list(User.objects.filter(station_id=summary.station_id, is_active=True))
    notification_send(
        recipients=recipients,
        kind="case_weekly_notice",
        title=f"案管周通报 {data['week_start']}至{data['week_end']}",
        body="\n".join(lines),
        level="orange" if data["problems"] else "info",
        obj=summary,
        dedupe_key=f"case-weekly:{summary.pk}",
    )
    summary.notice_sent_at = timezone.now()
    summary.save()
    return len(recipients)
