"""The supervision board's rows, built in Python: with every open case on one page the generic
template machinery (attribute lookups, filters per clock) was most of the page's time."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from fengqiao.cases.choices import CaseStatus

register = template.Library()


@register.simple_tag
def board_rows(rows):
    labels = {"red": _("超期"), "orange": "80%", "yellow": "50%"}
    due, paused, appraisal = _("到期"), _("暂停"), _("鉴定中")
    statuses = {k: str(v) for k, v in CaseStatus.choices}
    detail = reverse("cases:case_detail", args=[0])[:-2]  # "/cases/" + pk + "/"
    out = []
    for r in rows:
        case = r.case
        clocks = format_html_join(
            "",
            "<li{}>{} · {} {} · {}%{}{}</li>",
            (
                (
                    format_html(' class="level-{}"', c.level) if c.level else "",
                    c.clock.rule.name,
                    due,
                    c.due_text,
                    c.percent,
                    format_html(' <span class="badge badge-{}">{}</span>', c.level, labels[c.level])
                    if c.level
                    else "",
                    f" · {paused}" if c.clock.state == "paused" else "",
                )
                for c in r.clocks
            ),
        ) or format_html('<li class="muted">{}</li>', "—")
        lead = case.lead_officer
        out.append(
            format_html(
                '<tr{}><td><a href="{}">{}</a><br><small>{}</small></td><td>{}{}</td><td>{}<br><small class="muted">{}</small></td>'
                '<td><ul class="plain">{}</ul></td><td>{}</td></tr>',
                format_html(' class="level-{}"', r.level) if r.level else "",
                f"{detail}{case.pk}/",
                case.reference,
                Truncator(case.title).chars(30),
                statuses[case.status],
                f" · {appraisal}" if case.in_appraisal else "",
                lead.full_name or lead.username,
                case.unit.name if case.unit_id else "",
                clocks,
                r.idle_days if r.idle_days is not None else "—",
            )
        )
    return format_html_join("", "{}", ((row,) for row in out))
