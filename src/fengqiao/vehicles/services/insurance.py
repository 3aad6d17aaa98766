"""Insurance: policies, the claim after a theft, its approval and payout."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fengqiao.accounts.roles import has_role
from fengqiao.vehicles import rules
from fengqiao.vehicles.choices import ClaimStatus, EventKind, TheftStatus
from fengqiao.vehicles.models import (
    CLAIM_ROLES,
    InsuranceClaim,
    InsurancePolicy,
    PayoutRow,
    Theft,
    Vehicle,
)
from fengqiao.vehicles.services.common import _event, _lock, _require_editable, _when


def policy_for(theft: Theft) -> InsurancePolicy | None:
    day = timezone.localtime(theft.reported_at).date()
    return (
        InsurancePolicy.objects.filter(
            vehicle_id=theft.vehicle_id, starts_on__lte=day, ends_on__gte=day
        )
        .prefetch_related("payouts")
        .order_by("-starts_on")
        .first()
    )


def claim_quote(theft: Theft, *, now: dt.datetime | None = None) -> dict:
    """What a claim would pay now, or why it cannot be made: {'policy', 'age', 'amount', 'refusal', 'due_at'}."""
    now = now or timezone.now()
    policy = policy_for(theft)
    day = timezone.localtime(theft.reported_at).date()
    vehicle = theft.vehicle
    age = rules.vehicle_age_years(vehicle.purchased_on, day) if vehicle.purchased_on else 0
    refusal = rules.claim_refusal(
        reported_at=theft.reported_at,
        recovery_days=policy.recovery_days if policy else 0,
        now=now,
        recovered=theft.status == TheftStatus.RECOVERED,
        policy_starts=policy.starts_on if policy else None,
        policy_ends=policy.ends_on if policy else None,
        theft_date=day,
    )
    if theft.status == TheftStatus.CLAIMED:
        refusal = "已理赔"
    if refusal is None and vehicle.purchased_on is None:
        refusal = "车辆没有购车日期,无法按车龄计算赔付"
    amount = rules.payout(age, policy.table()) if policy else Decimal(0)
    return {
        "policy": policy,
        "age": age,
        "amount": amount,
        "refusal": refusal,
        "due_at": rules.claim_due_at(theft.reported_at, policy.recovery_days) if policy else None,
    }


@transaction.atomic
def claim_approve(*, actor, theft: Theft, now: dt.datetime | None = None) -> InsuranceClaim:
    """Not recovered within the policy's period: the claim, paying by vehicle age from the policy table.
    The linked case's file records it (保险理赔)."""
    if actor is not None and not has_role(actor, CLAIM_ROLES):
        raise PermissionDenied("只有所领导、指挥室和值班民警可以办理理赔")
    _require_editable(actor, theft)
    _lock(theft)
    quote = claim_quote(theft, now=now)
    if quote["refusal"]:
        raise ValidationError(quote["refusal"])
    if quote["amount"] <= 0:
        raise ValidationError("按保单赔付标准,该车龄不予赔付")
    claim = InsuranceClaim.objects.create(
        station_id=theft.station_id,
        community_id=theft.community_id,
        theft=theft,
        policy=quote["policy"],
        vehicle_age_years=quote["age"],
        amount=quote["amount"],
        approved_at=now or timezone.now(),
        approved_by=actor,
    )
    theft.status = TheftStatus.CLAIMED
    theft.save()
    _event(
        theft.vehicle,
        EventKind.CLAIM_APPROVED,
        actor,
        claim.approved_at,
        theft=theft.reference,
        amount=str(claim.amount),
        age=claim.vehicle_age_years,
    )
    if theft.case_id:
        from fengqiao.cases.services import case_note_linked

        case_note_linked(
            actor=actor,
            case=theft.case,
            text=f"保险理赔:{theft.vehicle.plate}追查期满未追回,按车龄{claim.vehicle_age_years}年"
            f"赔付{claim.amount:.0f}元({claim.policy})",
            at=claim.approved_at,
            theft=theft.reference,
            claim=claim.pk,
        )
    return claim


@transaction.atomic
def claim_pay(*, actor, claim: InsuranceClaim, paid_at=None) -> InsuranceClaim:
    if actor is not None and not has_role(actor, CLAIM_ROLES):
        raise PermissionDenied("只有所领导、指挥室和值班民警可以办理理赔")
    _require_editable(actor, claim)
    _lock(claim)
    if claim.status == ClaimStatus.PAID:
        raise ValidationError("该理赔已赔付")
    claim.paid_at = _when(
        paid_at, "赔付时间", not_before=claim.approved_at, not_before_label="理赔时间"
    )
    claim.status = ClaimStatus.PAID
    claim.save()
    _event(
        claim.theft.vehicle, EventKind.CLAIM_PAID, actor, claim.paid_at, amount=str(claim.amount)
    )
    return claim


# ----------------------------------------------------------------------------- insurance policies


@transaction.atomic
def policy_create(
    *,
    actor,
    vehicle: Vehicle,
    insurer: str,
    starts_on: dt.date,
    ends_on: dt.date,
    table,
    number: str = "",
    recovery_days: int = 90,
) -> InsurancePolicy:
    """A policy with its payout table: [(min_age_years, amount), ...]."""
    _require_editable(actor, vehicle)
    insurer = (insurer or "").strip()
    if not insurer:
        raise ValidationError({"insurer": ["请填写保险公司"]})
    if not starts_on or not ends_on or ends_on < starts_on:
        raise ValidationError({"ends_on": ["终保日期不能早于起保日期"]})
    if not 1 <= int(recovery_days) <= 365:
        raise ValidationError({"recovery_days": ["追查期须在1到365天之间"]})
    rows = {}
    for age, amount in table:
        age, amount = int(age), Decimal(amount)
        if age < 0 or amount < 0:
            raise ValidationError({"table": ["车龄和金额不能为负"]})
        if age in rows:
            raise ValidationError({"table": [f"车龄{age}年重复"]})
        rows[age] = amount
    if not rows:
        raise ValidationError({"table": ["请填写赔付标准"]})
    policy = InsurancePolicy.objects.create(
        station_id=vehicle.station_id,
        community_id=vehicle.community_id,
        vehicle=vehicle,
        insurer=insurer,
        number=(number or "").strip()[:40],
        starts_on=starts_on,
        ends_on=ends_on,
        recovery_days=int(recovery_days),
    )
    PayoutRow.objects.bulk_create(
        [PayoutRow(policy=policy, min_age_years=a, amount=m) for a, m in sorted(rows.items())]
    )
    return policy
