"""Every write of part 9: the evaluation scheme (versions and indicators), station categories, the
stations' Word templates, and the reports (request, generate with progress, download record)."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao import push
from fengqiao.accounts.roles import BUREAU_ROLES
from fengqiao.reports import rules
from fengqiao.reports.choices import ReportKind, ReportSource, ReportStatus
from fengqiao.reports.models import (
    Indicator,
    Report,
    ReportDownload,
    ReportTemplate,
    Scheme,
    StationCategory,
    StationProfile,
)
from fengqiao.reports.permissions import (
    can_assign_station_category,
    can_manage_scheme,
    can_upload_template,
    can_use_reports,
)

logger = logging.getLogger(__name__)

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDenied(message)


# ---------------------------------------------------------------- scheme


DEFAULT_SCHEME = [
    # code, name, parent, formula, weight, target, direction, penalty, veto, sort
    ("bottom", "底线指标", None, "", 40, None, "lower", None, False, 10),
    ("later_offence", "民转刑", "bottom", "later_offence", 10, 0, "lower", None, True, 11),
    ("unfiled", "有案不立", "bottom", "redline_unfiled", 10, 0, "lower", None, True, 12),
    ("overdue", "办理超期", "bottom", "redline_overdue", 10, 0, "lower", None, True, 13),
    ("lax", "查打不严", "bottom", "redline_lax", 10, 0, "lower", None, True, 14),
    ("basics", "基础工作", None, "", 30, None, "higher", None, False, 20),
    (
        "callbacks",
        "回访满意率",
        "basics",
        "callback_satisfaction",
        15,
        96,
        "higher",
        None,
        False,
        21,
    ),
    (
        "fulfilment",
        "调解协议履行率",
        "basics",
        "mediation_fulfilment",
        15,
        100,
        "higher",
        None,
        False,
        22,
    ),
    ("results", "工作成效", None, "", 30, None, "higher", None, False, 30),
    ("mediation", "调解成功率", "results", "mediation_success", 15, 99, "higher", None, False, 31),
    ("fraud", "电诈发案同比", "results", "fraud_cases_change", 8, 0, "lower", 0.2, False, 32),
    ("fraud_loss", "电诈案损同比", "results", "fraud_loss_change", 7, 0, "lower", 0.2, False, 33),
]


def scheme_load_default(*, effective_from: dt.date = dt.date(2023, 1, 1)) -> Scheme | None:
    """The shipped scheme (a starting point the bureau edits), when there is none (data migration,
    tests after a flush)."""
    if Scheme.objects.exists():
        return None
    scheme = Scheme.objects.create(
        name="派出所综合考核(默认)",
        effective_from=effective_from,
        basis="“五零”底线、基础工作、工作成效;权重可由县局修订",
        note="系统预置",
    )
    made: dict[str, Indicator] = {}
    for (
        code,
        name,
        parent,
        formula,
        weight,
        target,
        direction,
        penalty,
        veto,
        sort,
    ) in DEFAULT_SCHEME:
        made[code] = Indicator.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            parent=made.get(parent) if parent else None,
            formula=formula,
            weight=weight,
            target=target,
            direction=direction,
            penalty=penalty,
            veto=veto,
            sort=sort,
        )
    return scheme


def _check_tree(
    scheme: Scheme, extra: list[rules.Node] | None = None, drop: str | None = None
) -> None:
    import dataclasses

    from fengqiao.reports.indicators import REGISTRY
    from fengqiao.reports.selectors import scheme_nodes

    renamed = {drop: extra[0].code} if extra and drop else {}
    nodes = [
        dataclasses.replace(n, parent=renamed.get(n.parent, n.parent))
        for n in scheme_nodes(scheme)
        if n.code != drop
    ] + (extra or [])
    errors = rules.validate_tree(nodes, set(REGISTRY))
    if errors:
        raise ValidationError(errors)


def _require_editable(scheme: Scheme, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if not scheme.editable_on(today):
        raise ValidationError(
            _("该版本已于%(d)s生效,不能再修改;请“修订”生成新版本")
            % {"d": f"{scheme.effective_from:%Y-%m-%d}"}
        )


@transaction.atomic
def scheme_revise(
    *, actor, scheme: Scheme, effective_from: dt.date, name: str, note: str, basis: str = ""
) -> Scheme:
    """A new version of the scheme from `effective_from` (a copy of the tree, to be edited until that
    day); the old version ends that day. Rankings of periods before it keep the old version."""
    _require(can_manage_scheme(actor), _("考核方案对全部派出所生效,只有系统管理员可以修订"))
    old = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if not (note or "").strip():
        raise ValidationError(_("请填写修订说明"))
    if not (name or "").strip():
        raise ValidationError(_("请填写方案名称"))
    if effective_from <= old.effective_from:
        raise ValidationError(
            _("新版本的生效日期必须晚于原版本的生效日期(%(d)s)")
            % {"d": f"{old.effective_from:%Y-%m-%d}"}
        )
    if old.effective_to is not None and effective_from >= old.effective_to:
        raise ValidationError(
            _("原版本已于%(d)s失效,请选择原版本有效期内的日期")
            % {"d": f"{old.effective_to:%Y-%m-%d}"}
        )
    if Scheme.objects.filter(effective_from=effective_from).exists():
        raise ValidationError(_("%(d)s已有一个方案版本") % {"d": f"{effective_from:%Y-%m-%d}"})
    new = Scheme.objects.create(
        name=name.strip(),
        effective_from=effective_from,
        effective_to=old.effective_to,
        basis=(basis or old.basis).strip(),
        note=note.strip(),
        created_by=actor,
    )
    made: dict[int, Indicator] = {}
    pending = list(old.indicators.order_by("sort", "pk"))
    while pending:
        rest = []
        for i in pending:
            if i.parent_id and i.parent_id not in made:
                rest.append(i)
                continue
            made[i.pk] = Indicator.objects.create(
                scheme=new,
                parent=made.get(i.parent_id),
                **{
                    f: getattr(i, f)
                    for f in (
                        "code",
                        "name",
                        "formula",
                        "weight",
                        "target",
                        "direction",
                        "penalty",
                        "veto",
                        "sort",
                        "note",
                    )
                },
            )
        if len(rest) == len(pending):
            break
        pending = rest
    old.effective_to = effective_from
    old.save(update_fields=["effective_to"])
    return new


@transaction.atomic
def indicator_save(*, actor, scheme: Scheme, indicator: Indicator | None, data: dict) -> Indicator:
    """Add or change one indicator of a version not yet in force; the whole tree must stay valid."""
    from fengqiao.reports.indicators import REGISTRY

    _require(can_manage_scheme(actor), _("考核指标对全部派出所生效,只有系统管理员可以修改"))
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _require_editable(scheme)
    target = indicator or Indicator(scheme=scheme)
    if indicator is not None and indicator.scheme_id != scheme.pk:
        raise ValidationError(_("指标不属于该方案版本"))
    for field in (
        "code",
        "name",
        "parent",
        "formula",
        "weight",
        "target",
        "direction",
        "penalty",
        "veto",
        "sort",
        "note",
    ):
        if field in data:
            setattr(
                target,
                field,
                data[field]
                if data[field] is not None or field in ("parent", "target", "penalty")
                else getattr(target, field),
            )
    target.formula = target.formula or ""
    target.note = target.note or ""
    if target.parent_id and target.parent.scheme_id != scheme.pk:
        raise ValidationError(_("上级指标不属于该方案版本"))
    if target.formula and target.formula not in REGISTRY:
        raise ValidationError(_("计算公式 %(f)s 不存在") % {"f": target.formula})
    dup = Indicator.objects.filter(scheme=scheme, code=target.code).exclude(pk=target.pk)
    if dup.exists():
        raise ValidationError(_("本方案已有代码为 %(c)s 的指标") % {"c": target.code})
    target.full_clean(exclude=["scheme"])
    fn = REGISTRY.get(target.formula)
    node = rules.Node(
        code=target.code,
        name=target.name,
        weight=float(target.weight),
        target=None if target.target is None else float(target.target),
        direction=target.direction,
        veto=target.veto,
        formula=target.formula,
        parent=target.parent.code if target.parent_id else None,
        unit=fn.unit if fn else "",
    )
    old_code = (
        Indicator.objects.filter(pk=target.pk).values_list("code", flat=True).first()
        if target.pk
        else None
    )
    _check_tree(scheme, extra=[node], drop=old_code or target.code)
    target.save()
    return target


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    _require(can_manage_scheme(actor), _("考核指标对全部派出所生效,只有系统管理员可以修改"))
    _require_editable(indicator.scheme)
    if indicator.children.exists():
        raise ValidationError(_("请先删除或移走“%(n)s”的下级指标") % {"n": indicator.name})
    indicator.delete()


@transaction.atomic
def category_save(*, actor, category: StationCategory | None, data: dict) -> StationCategory:
    _require(can_manage_scheme(actor), _("派出所类别对全部派出所生效,只有系统管理员可以修改"))
    target = category or StationCategory()
    for k in ("name", "note", "sort"):
        if k in data and data[k] is not None:
            setattr(target, k, data[k])
    target.name = (target.name or "").strip()
    if not target.name:
        raise ValidationError(_("请填写类别名称"))
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def station_category_set(*, actor, station, category: StationCategory) -> StationProfile:
    from fengqiao.reports.selectors import visible_station_ids

    _require(can_assign_station_category(actor), _("只有县局或系统管理员可以设置派出所类别"))
    if not actor.is_superuser and station.pk not in visible_station_ids(actor):
        raise PermissionDenied(_("不能设置其他县局的派出所"))
    profile = StationProfile.objects.filter(station=station).first()
    if profile is None:
        return StationProfile.objects.create(station=station, category=category)
    if profile.category_id != category.pk:
        profile.category = category
        profile.save()
    return profile


# ---------------------------------------------------------------- templates


def template_for(station, kind: str) -> ReportTemplate | None:
    return (
        ReportTemplate.objects.filter(station=station, kind=kind, active=True)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def template_upload(
    *, actor, station, kind: str, content: bytes, filename: str, note: str = ""
) -> ReportTemplate:
    """A new version of the station's template after a test render; a broken file is refused with the
    reason and the version in use stays."""
    from fengqiao.reports.documents import check_template

    _require(can_upload_template(actor), _("只有所领导可以更换本所的报表模板"))
    if not actor.is_superuser and actor.role not in BUREAU_ROLES and actor.station_id != station.pk:
        raise PermissionDenied(_("只能更换本所的报表模板"))
    if kind not in ReportKind.values:
        raise ValidationError(_("未知的报表类型"))
    if not (filename or "").lower().endswith(".docx"):
        raise ValidationError(_("请上传 .docx 格式的 Word 模板"))
    if len(content) > TEMPLATE_MAX_BYTES:
        raise ValidationError(_("模板文件超过 5 MB"))
    check_template(content)
    version = (
        ReportTemplate.objects.filter(station=station, kind=kind).aggregate(v=Max("version"))["v"]
        or 0
    ) + 1
    template = ReportTemplate(
        station=station,
        kind=kind,
        version=version,
        filename=filename[:200],
        note=(note or "")[:200],
        uploaded_by=actor,
    )
    template.file.save(f"{kind}-v{version}.docx", ContentFile(content), save=False)
    template.save()
    return template


@transaction.atomic
def template_revert(*, actor, station, kind: str) -> int:
    """Back to the shipped default: the station's versions are kept but no longer used."""
    _require(can_upload_template(actor), _("只有所领导可以更换本所的报表模板"))
    if not actor.is_superuser and actor.role not in BUREAU_ROLES and actor.station_id != station.pk:
        raise PermissionDenied(_("只能更换本所的报表模板"))
    changed = 0
    for t in ReportTemplate.objects.filter(station=station, kind=kind, active=True):
        t.active = False
        t.save()
        changed += 1
    return changed


# ---------------------------------------------------------------- reports


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    return rules.week_bounds(day) if kind == ReportKind.WEEKLY else rules.month_bounds(day)


@transaction.atomic
def report_request(
    *, actor, station, kind: str, day: dt.date, source: str = ReportSource.DEMAND, run=True
) -> Report:
    """Queue a report of the week/month of `day`; the job writes it (a running one of the same period
    is returned instead of a second one: a double click makes one report)."""
    if actor is not None:
        _require(can_use_reports(actor), _("您无权生成报表"))
        from fengqiao.reports.selectors import visible_station_ids

        if not actor.is_superuser and station.pk not in visible_station_ids(actor):
            raise PermissionDenied(_("不能生成其他派出所的报表"))
    if kind not in ReportKind.values:
        raise ValidationError(_("未知的报表类型"))
    start, end = period_of(kind, day)
    if start > timezone.localdate():
        raise ValidationError(_("期间尚未开始,不能生成报表"))
    running = (
        Report.objects.select_for_update()
        .filter(
            station=station,
            kind=kind,
            period_start=start,
            status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
        )
        .first()
    )
    if running is not None:
        return running
    report = Report.objects.create(
        station=station,
        kind=kind,
        period_start=start,
        period_end=end,
        source=source,
        generated_by=actor if actor is not None and actor.pk else None,
        step=_("排队等待生成"),
    )
    if run:
        from django.utils import translation

        from fengqiao.reports.tasks import generate_report

        language = translation.get_language()
        transaction.on_commit(lambda: generate_report(report.pk, language))
    return report


def _progress(
    report_id: int,
    percent: int,
    step: str,
    *,
    station_id: int | None = None,
    status: str = "running",
) -> None:
    Report.objects.filter(pk=report_id).update(progress=percent, step=step[:100])
    if station_id is not None:  # the report's page follows it live (push tier)
        push.send(
            f"station:{station_id}",
            "report.progress",
            {"id": report_id, "progress": percent, "step": str(step)[:100], "status": status},
        )


def _names(rows) -> str:
    return "；".join(rows)


def report_data(station, kind: str, start: dt.date, end: dt.date, *, progress=None) -> dict:
    """The report's figures as plain JSON: the dashboard figures, the 12-month trend, the ranking of
    units and officers with reasons, the mediation channels (disputes.selectors.dispute_figures) and,
    for a week, the case room's weekly figures (cases.selectors.weekly_figures)."""
    from fengqiao.disputes.selectors import dispute_figures
    from fengqiao.reports import selectors
    from fengqiao.reports.indicators import REGISTRY

    progress = progress or (lambda p, s: None)
    scope = selectors.station_scope(station, start, end)
    progress(10, _("计算主要指标"))
    figs = selectors.figures(scope)
    progress(25, _("计算按月趋势"))
    trend = selectors.series(selectors.trend_scope(scope, 12))
    keys = [k for k in selectors.DASHBOARD_KEYS if k in trend]
    trend["keys"] = keys
    trend["labels"] = {k: str(REGISTRY[k].name) for k in keys}
    trend["units"] = {k: REGISTRY[k].unit for k in keys}
    progress(40, _("计算考核排名"))

    def rank_rows(level):
        ev = selectors.evaluation(scope, level)
        rows = []
        for g in ev["groups"]:
            for r in g["rows"]:
                lost = [p["reason"] for p in r["points"] if p["met"] is False]
                rows.append(
                    {
                        "rank": r["rank"] if r["rank"] is not None else "—",
                        "name": r["name"],
                        "unit": r.get("unit", ""),
                        "total": r["total"],
                        "total_text": "—"
                        if r["total"] is None
                        else (f"{r['total']:.1f}" + ("(否决)" if r["vetoed"] else "")),
                        "vetoed": r["vetoed"],
                        "reasons": _names(r["veto_reasons"] + lost) or "各项达标",
                    }
                )
        return ev, rows

    ev, units = rank_rows("unit")
    progress(55, _("计算民警排名"))
    _ev, officers = rank_rows("officer")
    progress(65, _("汇总矛盾纠纷与案件"))
    d = dispute_figures(scope.user, start, end, today=min(end, timezone.localdate()))

    def pct(v):
        return "—" if v is None else f"{v:.1f}%"

    channels = [
        {
            "name": str(r["name"]),
            "agreements": r["agreements"],
            "failed": r.get("failed", 0),
            "success_text": pct(r.get("success")),
            "fulfilment_text": pct(r.get("fulfilment")),
        }
        for r in d["by_channel"]
    ]
    cases = {
        k: 0
        for k in (
            "received",
            "filed",
            "closed",
            "overdue",
            "flags_raised",
            "flags_resolved",
            "open_flags",
        )
    }
    problems = []
    if kind == ReportKind.WEEKLY:
        from fengqiao.cases.selectors import weekly_figures

        w = weekly_figures(station, start)
        cases.update({k: w["totals"][k] for k in cases})
        problems = w["problems"]
    else:
        cases, problems = _month_cases(station, start, end)
    met = [f for f in figs if f["met"] is True]
    missed = [f for f in figs if f["met"] is False]
    summary = _("本期主要指标 %(n)s 项有目标,达标 %(a)s 项") % {
        "n": len(met) + len(missed),
        "a": len(met),
    }
    if missed:
        summary += _(";未达标:%(x)s") % {
            "x": "、".join(f"{f['name']} {f['value_text']}" for f in missed)
        }
    summary += "。"
    for f in figs:
        f["met_text"] = {True: _("达标"), False: _("未达标"), None: "—"}[f["met"]]
    kind_label = str(ReportKind(kind).label)
    if kind == ReportKind.MONTHLY:
        title = _("%(s)s%(y)s年%(m)s月工作月报") % {
            "s": station.name,
            "y": start.year,
            "m": start.month,
        }
    else:
        title = _("%(s)s工作周报(%(a)s至%(b)s)") % {
            "s": station.name,
            "a": start.isoformat(),
            "b": end.isoformat(),
        }
    return {
        "title": title,
        "station": station.name,
        "kind": kind,
        "kind_label": kind_label,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "period_text": f"{start.isoformat()}至{end.isoformat()}",
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "summary": summary,
        "figures": figs,
        "trend": trend,
        "units": units,
        "officers": officers,
        "scheme": ev["scheme"]["name"] if ev.get("scheme") else _("(未设置考核方案)"),
        "channels": channels,
        "cases": cases,
        "problems": problems,
    }


def _month_cases(station, start, end):
    from django.db.models import Count

    from fengqiao.cases.choices import FlagKind, FlagStatus
    from fengqiao.cases.models import Case, RedLineFlag
    from fengqiao.reports.indicators import Scope

    scope = Scope(None, start, end, [station.pk])
    lo, hi = scope.bounds()
    c = Case.objects.filter(station=station)
    flags = RedLineFlag.objects.filter(station=station)
    raised = flags.filter(raised_at__gte=lo, raised_at__lt=hi)
    by_kind = dict(raised.values_list("kind").annotate(n=Count("pk")).order_by())
    cases = {
        "received": c.filter(reported_at__gte=lo, reported_at__lt=hi).count(),
        "filed": c.filter(accepted_at__gte=lo, accepted_at__lt=hi).count(),
        "closed": c.filter(closed_at__gte=lo, closed_at__lt=hi).count(),
        "overdue": by_kind.get(FlagKind.OVERDUE, 0),
        "flags_raised": sum(by_kind.values()),
        "flags_resolved": flags.filter(closed_at__gte=lo, closed_at__lt=hi).count(),
        "open_flags": flags.filter(status=FlagStatus.OPEN).count(),
    }
    problems = [
        {
            "kind": str(FlagKind(f.kind).label),
            "reason": f.reason,
            "officer": f.officer.display_name if f.officer_id else "",
            "unit": f.unit.name if f.unit_id else "",
            "status": str(FlagStatus(f.status).label),
            "raised_at": timezone.localtime(f.raised_at).strftime("%Y-%m-%d"),
        }
        for f in raised.select_related("officer", "unit").order_by("raised_at", "pk")[:200]
    ]
    return cases, problems


def report_generate(report_id: int) -> Report:
    """The job: claim a queued report, compute its data, write Word (the station's template or the
    default), Excel and PDF, with progress; a failure is kept with its reason."""
    from fengqiao.reports import documents

    claimed = Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=5, step=_("开始生成")
    )
    if claimed != 1:
        return Report.objects.get(pk=report_id)
    report = Report.objects.select_related("station").get(pk=report_id)
    try:
        data = report_data(
            report.station,
            report.kind,
            report.period_start,
            report.period_end,
            progress=lambda p, s: _progress(report_id, p, s, station_id=report.station_id),
        )
        template = template_for(report.station, report.kind)
        template_bytes = None
        if template is not None:
            with template.file.open("rb") as fh:
                template_bytes = fh.read()
        _progress(report_id, 75, _("生成 Word"), station_id=report.station_id)
        docx = documents.report_docx(data, template_bytes)
        _progress(report_id, 85, _("生成 Excel"), station_id=report.station_id)
        xlsx = documents.report_xlsx(data)
        _progress(report_id, 92, _("生成 PDF"), station_id=report.station_id)
        pdf = documents.report_pdf(data)
    except Exception as exc:  # noqa: BLE001 - the failure is shown on the report's page
        logger.exception("report %s failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=ReportStatus.FAILED,
            error=str(exc)[:2000],
            step=_("生成失败"),
            generated_at=timezone.now(),
        )
        report.refresh_from_db()
        push.send(
            f"station:{report.station_id}",
            "report.progress",
            {"id": report.pk, "progress": report.progress, "step": report.step, "status": "failed"},
        )
        return report
    base = f"{report.station.code}-{report.kind}-{report.period_start:%Y%m%d}-{report.pk}"
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        report.docx.save(f"{base}.docx", ContentFile(docx), save=False)
        report.xlsx.save(f"{base}.xlsx", ContentFile(xlsx), save=False)
        report.pdf.save(f"{base}.pdf", ContentFile(pdf), save=False)
        report.data = data
        report.template = template
        report.status, report.progress, report.step = ReportStatus.DONE, 100, _("已完成")
        report.generated_at = timezone.now()
        report.save()
        push.send(
            f"station:{report.station_id}",
            "report.progress",
            {"id": report.pk, "progress": 100, "step": str(report.step), "status": "done"},
        )
    return report


def report_download(*, actor, report: Report, fmt: str, channel: str = "web"):
    """The file to send, after the role check; each download is recorded."""
    _require(can_use_reports(actor), _("您无权下载报表"))
    if not Report.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(_("不能下载其他派出所的报表"))
    f = report.file_for(fmt)
    if report.status != ReportStatus.DONE or not f:
        raise ValidationError(_("报表尚未生成完成"))
    ReportDownload.objects.create(
        report=report, user=actor, user_name=actor.display_name, fmt=fmt, channel=channel
    )
    return f


def scheduled(kind: str, today: dt.date | None = None) -> list[int]:
    """The schedule: every station's report of the week ending (Friday) or of last month (the 1st)."""
    from fengqiao.accounts.models import Station

    today = today or timezone.localdate()
    day = today if kind == ReportKind.WEEKLY else today.replace(day=1) - dt.timedelta(days=1)
    ids = []
    for station in Station.objects.all():
        r = report_request(
            actor=None, station=station, kind=kind, day=day, source=ReportSource.SCHEDULE, run=False
        )
        ids.append(r.pk)
    for pk in ids:
        report_generate(pk)
    return ids
