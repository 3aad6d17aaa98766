"""The four refusals of the issue, each with a clear message and nothing lost: an agreement without the
parties' signatures, a plan without named people, a term without a due date, a level lowered without a
reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fengqiao.disputes import services
from fengqiao.disputes.models import Agreement, Dispute, MediationChannel, StabilisationPlan

DUE = (dt.date.today() + dt.timedelta(days=5)).isoformat()


def test_plan_without_named_people_is_refused_and_the_form_keeps_its_input(
    bob, bob_client, register
):
    d = register(bob, narrative="扬言拼命", owner=bob)
    with pytest.raises(ValidationError, match="责任人"):
        services.plan_file(
            actor=bob,
            dispute=d,
            summary="专人稳控",
            measures=[{"what": "每日走访", "responsible": None, "due_date": dt.date.today()}],
        )
    assert not StabilisationPlan.objects.exists()
    bob_client.post(
        reverse("disputes:plan_create", args=[d.pk]),
        {
            "summary": "专人稳控,每日研判",
            "measure-0-what": "每日走访当事人",
            "measure-0-due_date": DUE,
        },
    )
    page = bob_client.get(d.get_absolute_url()).content.decode()
    assert "每项措施须有内容、责任人和期限" in page
    assert (
        "专人稳控,每日研判" in page
        and 'value="每日走访当事人"' in page
        and f'value="{DUE}"' in page
    )
    assert not StabilisationPlan.objects.exists()


def test_level_lowered_without_reason_is_refused(bob, bob_client, register):
    d = register(bob, narrative="扬言拼命", owner=bob)
    response = bob_client.post(
        reverse("disputes:dispute_level", args=[d.pk]), {"level": "yellow", "reason": " "}
    )
    assert response.status_code == 302
    assert "调整等级必须填写理由" in bob_client.get(d.get_absolute_url()).content.decode()
    assert Dispute.objects.get().level == "red"


def test_agreement_refusals_keep_the_dispute_as_it_was(bob, bob_client, register):
    d = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=d, channel=MediationChannel.objects.get(code="studio")
    )
    zhang, li = d.parties.all()
    url = reverse("disputes:agreement_create", args=[d.pk])
    bob_client.post(
        url,
        {"form": "written", "term-0-what": "赔偿", "term-0-due_date": DUE, "signed": [zhang.pk]},
    )
    page = bob_client.get(d.get_absolute_url()).content.decode()
    assert "当事人未签字:李四" in page and 'value="赔偿"' in page
    bob_client.post(url, {"form": "written", "term-0-what": "赔偿", "signed": [zhang.pk, li.pk]})
    assert "没有履行期限" in bob_client.get(d.get_absolute_url()).content.decode()
    assert not Agreement.objects.exists()
    assert Dispute.objects.get().status == "mediating"
