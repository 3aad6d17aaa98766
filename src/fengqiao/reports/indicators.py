"""The indicator-function registry: every figure the dashboard shows and a scheme's formula may use.

An indicator function measures one figure over a `Scope` (who may see what, the period, and the
station / unit / officer / community filters) grouped by one dimension, and returns
{group key: Measure}. The figures are the parts' own definitions and rules, reused:
- 回访满意率: incidents.rules.satisfaction_rate with CALLBACK_BASIC_WEIGHT (as the callbacks page);
- 调解成功率 / 协议履行率 / 民转刑: disputes.rules.success_rate, fulfilment_rate and
  disputes.selectors.counted_terms_q, the same records as disputes.selectors.dispute_figures;
- 有案不立 / 办理超期 / 查打不严: the cases part's red-line flags (cases.RedLineFlag, raised by its
  detectors), counted by the day they were raised;
- 追回车辆 / 保险赔付: vehicles' Recovery and paid InsuranceClaim (as vehicles.selectors.figures_by_year);
- 电诈发案 / 案损 and their year-on-year change: antifraud.rules.change_pct over the same period a
  year before (as antifraud.figures).
tests/reports/test_indicators.py checks each station figure against the part's own selector.

Registering another part's figure (e.g. part 10's law-study attendance): put an `indicators.py`
module in that app (this app autodiscovers it at start-up) and call `register` from
fengqiao.core.indicators, the registry itself (re-exported here), as:

    from fengqiao.core.indicators import Dims, Measure, register

    @register("law_study_attendance", name="法规学习出勤率", unit="%", direction="higher", target=95,
              groups=("station", "unit", "officer", "month"))
    def law_study_attendance(scope, group):
        qs = scope.filter(Attendance.objects.all(), DIMS)   # None when a filter does not apply
        ...
        return {key: Measure(value=rate, num=present, den=expected, text="出勤 9/10") ...}

and, for the drill-down list, `@law_study_attendance.records` on a function (scope) -> Drill.
A scheme's indicator then chooses the key as its formula.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fengqiao.core.indicators import (  # noqa: F401 (re-exported: the registry's names, used here too)
    ALL_GROUPS,
    GROUPS,
    REGISTRY,
    Dims,
    Drill,
    IndicatorFunction,
    Measure,
    Scope,
    choices,
    grouped,
    month_key,
    register,
)


def _rate_text(num, den, label_num, label_den) -> str:
    return f"{label_num} {num:g} / {label_den} {den:g}"


def _count_measures(data: dict, unit: str = "起") -> dict:
    return {
        k: Measure(value=float(v["n"] or 0), num=float(v["n"] or 0), text=f"{v['n'] or 0}{unit}")
        for k, v in data.items()
    }


def _merge_keys(*tables) -> set:
    keys = set()
    for t in tables:
        keys |= set(t)
    return keys


def _money(v) -> float:
    return float(v or 0)


# ---------------------------------------------------------------- 警情回访 (part 2)

CALLBACK_DIMS = Dims(
    date="completed_at", unit="unit_id", officer="officer_id", community="incident__community_id"
)


def _callbacks(scope: Scope):
    from fengqiao.incidents.choices import CallbackStatus
    from fengqiao.incidents.models import Callback

    qs = scope.filter(Callback.objects.all(), CALLBACK_DIMS)
    return None if qs is None else qs.filter(status=CallbackStatus.DONE)


@register(
    "callback_satisfaction",
    name=_("回访满意率"),
    unit="%",
    target=96,
    part="incidents",
    description=_("(满意 + 权重×基本满意) ÷ 有效回访,按回访完成时间;权重为 CALLBACK_BASIC_WEIGHT"),
)
def callback_satisfaction(scope: Scope, group: str) -> dict:
    from fengqiao.incidents import conf
    from fengqiao.incidents.choices import Rating
    from fengqiao.incidents.rules import satisfaction_rate

    weight = conf.basic_weight()
    data = grouped(
        _callbacks(scope),
        CALLBACK_DIMS,
        group,
        scope.span,
        satisfied=Count("pk", filter=Q(rating=Rating.SATISFIED)),
        basic=Count("pk", filter=Q(rating=Rating.BASIC)),
        valid=Count("pk", filter=Q(rating__in=Rating.values)),
    )
    out = {}
    for k, v in data.items():
        s, b, n = v["satisfied"] or 0, v["basic"] or 0, v["valid"] or 0
        rate = satisfaction_rate(s, b, n, weight)
        out[k] = Measure(
            value=None if rate is None else round(rate, 2),
            num=s + weight * b,
            den=n,
            text=f"满意 {s}、基本满意 {b} / 有效回访 {n}",
        )
    return out


@callback_satisfaction.records
def _callback_records(scope: Scope) -> Drill:
    from fengqiao.incidents.models import Callback

    qs = _callbacks(scope) if _callbacks(scope) is not None else Callback.objects.none()
    return Drill(
        qs.select_related("incident", "officer", "unit").order_by("-completed_at"),
        [
            (_("警情"), lambda c: c.incident.reference),
            (_("回访时间"), lambda c: c.completed_at),
            (_("满意度"), lambda c: c.get_rating_display()),
            (_("民警"), lambda c: c.officer.display_name if c.officer_id else ""),
            (_("单位"), lambda c: c.unit.name if c.unit_id else ""),
        ],
        lambda c: c.incident.get_absolute_url(),
    )


# ---------------------------------------------------------------- 矛盾纠纷 (part 3)

AGREEMENT_DIMS = Dims(
    date="reached_on",
    is_date=True,
    station="dispute__station_id",
    unit="dispute__owner__unit_id",
    officer="dispute__owner_id",
    community="dispute__community_id",
)
DISPUTE_CLOSED_DIMS = Dims(
    date="closed_at", unit="owner__unit_id", officer="owner_id", community="community_id"
)
TERM_DIMS = Dims(
    date="due_date",
    is_date=True,
    station="agreement__dispute__station_id",
    unit="agreement__dispute__owner__unit_id",
    officer="agreement__dispute__owner_id",
    community="agreement__dispute__community_id",
)
LINK_DIMS = Dims(
    date="dispute__registered_at",
    station="dispute__station_id",
    unit="dispute__owner__unit_id",
    officer="dispute__owner_id",
    community="dispute__community_id",
)


def _agreements(scope):
    from fengqiao.disputes.choices import AgreementStatus
    from fengqiao.disputes.models import Agreement

    qs = scope.filter(Agreement.objects.all(), AGREEMENT_DIMS)
    return None if qs is None else qs.filter(status=AgreementStatus.IN_FORCE)


def _failed_closed(scope):
    from fengqiao.disputes.choices import AgreementStatus
    from fengqiao.disputes.models import Dispute

    qs = scope.filter(Dispute.objects.all(), DISPUTE_CLOSED_DIMS)
    return (
        None
        if qs is None
        else qs.filter(channel__isnull=False).exclude(agreements__status=AgreementStatus.IN_FORCE)
    )


@register(
    "mediation_success",
    name=_("调解成功率"),
    unit="%",
    target=99,
    part="disputes",
    description=_("达成协议(在履行) ÷ 结束的调解(达成协议 + 未达成协议结案),每件纠纷计一次"),
)
def mediation_success(scope: Scope, group: str) -> dict:
    from fengqiao.disputes.rules import success_rate

    ok = grouped(
        _agreements(scope), AGREEMENT_DIMS, group, scope.span, n=Count("dispute_id", distinct=True)
    )
    failed = grouped(
        _failed_closed(scope), DISPUTE_CLOSED_DIMS, group, scope.span, n=Count("pk", distinct=True)
    )
    out = {}
    for k in _merge_keys(ok, failed):
        a = (ok.get(k) or {}).get("n") or 0
        f = (failed.get(k) or {}).get("n") or 0
        rate = success_rate(a, a + f)
        out[k] = Measure(
            value=None if rate is None else round(rate * 100, 2),
            num=a,
            den=a + f,
            text=f"达成协议 {a} / 结束调解 {a + f}",
        )
    return out


@mediation_success.records
def _agreement_records(scope: Scope) -> Drill:
    from fengqiao.disputes.models import Agreement

    qs = _agreements(scope)
    qs = Agreement.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("dispute", "mediator").order_by("-reached_on"),
        [
            (_("纠纷编号"), lambda a: a.dispute.reference),
            (_("达成日期"), lambda a: a.reached_on),
            (_("调解员"), lambda a: a.mediator.full_name if a.mediator_id else ""),
            (_("状态"), lambda a: a.dispute.get_status_display()),
        ],
        lambda a: a.dispute.get_absolute_url(),
    )


def _terms(scope):
    from fengqiao.disputes.models import AgreementTerm
    from fengqiao.disputes.selectors import counted_terms_q

    qs = scope.filter(AgreementTerm.objects.all(), TERM_DIMS, end=min(scope.end, scope.as_of))
    return None if qs is None else qs.filter(counted_terms_q())


@register(
    "mediation_fulfilment",
    name=_("协议履行率"),
    unit="%",
    target=100,
    part="disputes",
    description=_("已履行的协议条款 ÷ 本期到期的条款(失效协议中失效前已到期的条款照计)"),
)
def mediation_fulfilment(scope: Scope, group: str) -> dict:
    from fengqiao.disputes.choices import TermStatus
    from fengqiao.disputes.rules import fulfilment_rate, fulfilment_reason

    data = grouped(
        _terms(scope),
        TERM_DIMS,
        group,
        scope.span,
        due=Count("pk"),
        performed=Count("pk", filter=Q(status=TermStatus.PERFORMED)),
    )

    def pct(rate):
        return None if rate is None else round(rate * 100, 2)

    # Terms of the period not due yet: nothing due is not a failure ("—" and the reason, not 0%).
    pending = {}
    if scope.end > scope.as_of:
        from fengqiao.disputes.models import AgreementTerm
        from fengqiao.disputes.selectors import counted_terms_q

        later = scope.filter(AgreementTerm.objects.all(), TERM_DIMS)
        if later is not None:
            later = later.filter(counted_terms_q(), due_date__gt=scope.as_of)
            pending = grouped(later, TERM_DIMS, group, scope.span, n=Count("pk"))

    def text(v, k):
        due, done = v.get("due") or 0, v.get("performed") or 0
        if due:
            return f"已履行 {done} / 到期条款 {due}"
        waiting = (pending.get(k) or {}).get("n") or 0
        return fulfilment_reason(0, waiting)

    keys = set(data) | set(pending)
    return {
        k: Measure(
            value=pct(
                fulfilment_rate(
                    (data.get(k) or {}).get("performed") or 0, (data.get(k) or {}).get("due") or 0
                )
            ),
            num=(data.get(k) or {}).get("performed") or 0,
            den=(data.get(k) or {}).get("due") or 0,
            text=text(data.get(k) or {}, k),
        )
        for k in keys
    }


@mediation_fulfilment.records
def _term_records(scope: Scope) -> Drill:
    from fengqiao.disputes.models import AgreementTerm

    qs = _terms(scope)
    qs = AgreementTerm.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("agreement__dispute").order_by("-due_date"),
        [
            (_("纠纷编号"), lambda t: t.agreement.dispute.reference),
            (_("协议内容"), lambda t: t.what),
            (_("履行期限"), lambda t: t.due_date),
            (_("履行情况"), lambda t: t.get_status_display()),
        ],
        lambda t: t.agreement.dispute.get_absolute_url(),
    )


def _later_offences(scope):
    from fengqiao.disputes.models import DisputeIncident

    qs = scope.filter(DisputeIncident.objects.all(), LINK_DIMS)
    if qs is None:
        return None
    return qs.filter(
        incident__received_at__gt=F("dispute__registered_at"),
        incident__category__requires_case=True,
    )


@register(
    "later_offence",
    name=_("民转刑"),
    unit="起",
    direction="lower",
    target=0,
    veto=True,
    counts=True,
    part="disputes",
    description=_("本期登记的纠纷中,登记后又发生刑事/治安警情的件数"),
)
def later_offence(scope: Scope, group: str) -> dict:
    return _count_measures(
        grouped(
            _later_offences(scope),
            LINK_DIMS,
            group,
            scope.span,
            n=Count("dispute_id", distinct=True),
        ),
        "起",
    )


@later_offence.records
def _later_offence_records(scope: Scope) -> Drill:
    from fengqiao.disputes.models import DisputeIncident

    qs = _later_offences(scope)
    qs = DisputeIncident.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("dispute", "incident", "incident__category").order_by(
            "-incident__received_at"
        ),
        [
            (_("纠纷编号"), lambda d: d.dispute.reference),
            (_("纠纷登记"), lambda d: d.dispute.registered_at),
            (_("后发警情"), lambda d: d.incident.reference),
            (_("警情类别"), lambda d: str(d.incident.category)),
            (_("接警时间"), lambda d: d.incident.received_at),
        ],
        lambda d: d.dispute.get_absolute_url(),
    )


# ---------------------------------------------------------------- 三条红线 (part 4)

FLAG_DIMS = Dims(
    date="raised_at",
    unit="unit_id",
    officer="officer_id",
    community="_community",
    annotate={"_community": Coalesce("case__community_id", "incident__community_id")},
)


def _flags(scope, kind):
    from fengqiao.cases.models import RedLineFlag

    qs = scope.filter(RedLineFlag.objects.all(), FLAG_DIMS)
    return None if qs is None else qs.filter(kind=kind)


def _flag_indicator(kind: str, key: str, name):
    @register(
        key,
        name=name,
        unit="起",
        direction="lower",
        target=0,
        veto=True,
        counts=True,
        part="cases",
        description=_("案管红线问题(自动发现)按发现日期计"),
    )
    def compute(scope: Scope, group: str) -> dict:  # noqa: D401
        return _count_measures(
            grouped(_flags(scope, kind), FLAG_DIMS, group, scope.span, n=Count("pk")), "起"
        )

    @compute.records
    def records(scope: Scope) -> Drill:
        from fengqiao.cases.models import RedLineFlag

        qs = _flags(scope, kind)
        qs = RedLineFlag.objects.none() if qs is None else qs
        return Drill(
            qs.select_related("case", "incident", "officer", "unit").order_by("-raised_at"),
            [
                (_("发现时间"), lambda f: f.raised_at),
                (_("问题"), lambda f: f.reason),
                (_("责任民警"), lambda f: f.officer.display_name if f.officer_id else ""),
                (_("状态"), lambda f: f.get_status_display()),
            ],
            lambda f: (
                f.case.get_absolute_url()
                if f.case_id
                else (f.incident.get_absolute_url() if f.incident_id else "")
            ),
        )

    return compute


_flag_indicator("unfiled", "redline_unfiled", _("有案不立"))
_flag_indicator("overdue", "redline_overdue", _("办理超期"))
_flag_indicator("lax", "redline_lax", _("查打不严"))


# ---------------------------------------------------------------- 行车卫士 (part 6)

RECOVERY_DIMS = Dims(
    date="recovered_at",
    unit="recovered_by__unit_id",
    officer="recovered_by_id",
    community="community_id",
)
CLAIM_DIMS = Dims(date="paid_at", community="community_id")


def _recoveries(scope):
    from fengqiao.vehicles.models import Recovery

    return scope.filter(Recovery.objects.all(), RECOVERY_DIMS)


@register(
    "vehicles_recovered",
    name=_("追回被盗车辆"),
    unit="辆",
    target=None,
    counts=True,
    part="vehicles",
    description=_("两车物联网防控系统追回的被盗摩托车、电动摩托车,按追回时间"),
)
def vehicles_recovered(scope: Scope, group: str) -> dict:
    return _count_measures(
        grouped(_recoveries(scope), RECOVERY_DIMS, group, scope.span, n=Count("pk")), "辆"
    )


@vehicles_recovered.records
def _recovery_records(scope: Scope) -> Drill:
    from fengqiao.vehicles.models import Recovery

    qs = _recoveries(scope)
    qs = Recovery.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("theft__vehicle", "community").order_by("-recovered_at"),
        [
            (_("车辆"), lambda r: str(r.theft.vehicle)),
            (_("追回时间"), lambda r: r.recovered_at),
            (_("社区/村"), lambda r: r.community.name),
        ],
        lambda r: r.theft.get_absolute_url(),
    )


def _claims(scope):
    from fengqiao.vehicles.choices import ClaimStatus
    from fengqiao.vehicles.models import InsuranceClaim

    qs = scope.filter(InsuranceClaim.objects.all(), CLAIM_DIMS)
    return None if qs is None else qs.filter(status=ClaimStatus.PAID)


@register(
    "insurance_paid",
    name=_("保险赔付金额"),
    unit="元",
    target=None,
    groups=("station", "community", "month"),
    part="vehicles",
    description=_("已赔付的被盗车辆保险理赔金额,按赔付时间"),
)
def insurance_paid(scope: Scope, group: str) -> dict:
    data = grouped(
        _claims(scope), CLAIM_DIMS, group, scope.span, n=Count("pk"), total=Sum("amount")
    )
    return {
        k: Measure(
            value=_money(v["total"]),
            num=_money(v["total"]),
            den=v["n"] or 0,
            text=f"{v['n'] or 0} 笔",
        )
        for k, v in data.items()
    }


@insurance_paid.records
def _claim_records(scope: Scope) -> Drill:
    from fengqiao.vehicles.models import InsuranceClaim

    qs = _claims(scope)
    qs = InsuranceClaim.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("theft__vehicle").order_by("-paid_at"),
        [
            (_("车辆"), lambda c: str(c.theft.vehicle)),
            (_("赔付时间"), lambda c: c.paid_at),
            (_("金额(元)"), lambda c: c.amount),
        ],
        lambda c: c.theft.get_absolute_url(),
    )


# ---------------------------------------------------------------- 反诈 (part 5)

FRAUD_DIMS = Dims(
    date="occurred_on",
    is_date=True,
    officer="officer_id",
    unit="officer__unit_id",
    community="community_id",
)


def _fraud(scope, *, last_year=False):
    from fengqiao.antifraud.models import FraudCase
    from fengqiao.reports.rules import same_period_last_year

    if last_year:
        s, e = same_period_last_year(scope.start, scope.end)
        return scope.filter(FraudCase.objects.all(), FRAUD_DIMS, start=s, end=e)
    return scope.filter(FraudCase.objects.all(), FRAUD_DIMS)


def _shift_month(key: str | None) -> str | None:
    if key is None or "-" not in str(key):
        return key
    y, m = str(key).split("-")
    return f"{int(y) + 1}-{m}"


def _fraud_measures(scope: Scope, group: str, field_name: str | None) -> dict:
    from fengqiao.antifraud.rules import change_pct

    agg = {"n": Count("pk")} if field_name is None else {"n": Sum(field_name)}
    from fengqiao.reports.rules import same_period_last_year

    now = grouped(_fraud(scope), FRAUD_DIMS, group, scope.span, **agg)
    before = grouped(
        _fraud(scope, last_year=True), FRAUD_DIMS, group, same_period_last_year(*scope.span), **agg
    )
    if group == "month":
        before = {_shift_month(k): v for k, v in before.items()}
    out = {}
    for k in _merge_keys(now, before):
        cur = _money((now.get(k) or {}).get("n"))
        prev = _money((before.get(k) or {}).get("n"))
        pct = change_pct(cur, prev)
        unit = "起" if field_name is None else "元"
        from fengqiao.reports.rules import fmt_value

        out[k] = Measure(
            value=cur,
            num=cur,
            previous=prev,
            change=pct,
            text=f"去年同期 {fmt_value(prev, unit)},同比 {'—' if pct is None else f'{pct:+.1f}%'}",
        )
    return out


@register("fraud_cases", name=_("电信网络诈骗发案"), unit="起", direction="lower", part="antifraud")
def fraud_cases(scope: Scope, group: str) -> dict:
    return _fraud_measures(scope, group, None)


@register("fraud_loss", name=_("电信网络诈骗案损"), unit="元", direction="lower", part="antifraud")
def fraud_loss(scope: Scope, group: str) -> dict:
    return _fraud_measures(scope, group, "loss")


def _change_of(measures: dict) -> dict:
    return {
        k: Measure(
            value=m.change,
            num=m.num,
            den=m.previous,
            text=m.text,
            previous=m.previous,
            change=m.change,
        )
        for k, m in measures.items()
    }


@register(
    "fraud_cases_change",
    name=_("电诈发案同比"),
    unit="%",
    direction="lower",
    target=0,
    part="antifraud",
    description=_("(本期发案 − 去年同期) ÷ 去年同期;去年同期为0时无可比"),
)
def fraud_cases_change(scope: Scope, group: str) -> dict:
    return _change_of(_fraud_measures(scope, group, None))


@register(
    "fraud_loss_change",
    name=_("电诈案损同比"),
    unit="%",
    direction="lower",
    target=0,
    part="antifraud",
    description=_("(本期案损 − 去年同期) ÷ 去年同期"),
)
def fraud_loss_change(scope: Scope, group: str) -> dict:
    return _change_of(_fraud_measures(scope, group, "loss"))


def _fraud_drill(scope: Scope) -> Drill:
    from fengqiao.antifraud.models import FraudCase

    qs = _fraud(scope)
    qs = FraudCase.objects.none() if qs is None else qs
    return Drill(
        qs.select_related("fraud_type", "community").order_by("-occurred_on"),
        [
            (_("发案日期"), lambda c: c.occurred_on),
            (_("类型"), lambda c: str(c.fraud_type)),
            (_("社区/村"), lambda c: c.community.name if c.community_id else ""),
            (_("损失(元)"), lambda c: c.loss),
        ],
        lambda c: reverse("antifraud:case_edit", args=[c.pk]),
    )


for _key in ("fraud_cases", "fraud_loss", "fraud_cases_change", "fraud_loss_change"):
    REGISTRY[_key].drill = _fraud_drill
