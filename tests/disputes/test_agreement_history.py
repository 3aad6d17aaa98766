"""An agreement that fails (not performed, 反悔) and the new agreement after mediation resumes: the
refusals, the old agreement kept and printable, the 司法确认 clock cancelled, each dispute counted
once in the rates, existing single agreements, the page and the API."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from docx import Document

from fengqiao.core.choices import ClockState
from fengqiao.core.models import Clock
from fengqiao.disputes import documents, services
from fengqiao.disputes.choices import AgreementStatus, EventKind, Status, TermStatus
from fengqiao.disputes.models import Agreement, Dispute, MediationChannel
from fengqiao.disputes.selectors import dispute_figures, my_due_terms

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def accepted(register, bob):
    dispute = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    return dispute


def _record(dispute, actor, what="李四赔偿张三修缮费2000元", due=TODAY, **kwargs):
    data = {
        "form": "written",
        "reached_on": TODAY,
        "terms": [{"what": what, "due_date": due, "obligor": dispute.parties.last()}],
        "signed_parties": dispute.parties.all(),
        "facts": "两家因排水沟发生争吵",
        "mediator": actor,
    }
    data.update(kwargs)
    return services.agreement_record(actor=actor, dispute=dispute, **data)


def _jc_clock(agreement):
    return Clock.objects.get(kind="judicial_confirmation", object_id=agreement.pk)


def test_second_agreement_is_refused_while_one_is_in_force(accepted, bob):
    _record(accepted, bob)
    with pytest.raises(ValidationError, match="已有生效的调解协议.*先将该协议登记为“未能履行”"):
        _record(accepted, bob, what="另一份")
    assert Agreement.objects.filter(dispute=accepted).count() == 1


def test_failing_an_agreement_resumes_mediation(accepted, bob):
    first = _record(accepted, bob)
    with pytest.raises(ValidationError, match="原因"):
        services.agreement_fail(actor=bob, agreement=first, reason=" ")
    services.agreement_fail(actor=bob, agreement=first, reason="李四反悔,拒绝赔偿")
    first.refresh_from_db()
    accepted.refresh_from_db()
    assert first.status == AgreementStatus.FAILED and first.failed_by == bob
    assert first.fail_reason == "李四反悔,拒绝赔偿" and first.failed_at is not None
    assert accepted.status == Status.MEDIATING and accepted.settled_at is None
    clock = _jc_clock(first)
    assert clock.state == ClockState.CANCELLED and clock.stopped_at is not None
    event = accepted.events.get(kind=EventKind.AGREEMENT_FAILED)
    assert event.data["agreement"] == first.pk and event.data["reason"] == "李四反悔,拒绝赔偿"
    assert event.data["before"]["status"] == Status.PERFORMING
    assert event.data["after"]["status"] == Status.MEDIATING
    # the open follow-up checks stop
    assert my_due_terms(bob, dt.datetime.now(dt.UTC)) == []
    with pytest.raises(ValidationError, match="不再回访"):
        services.term_check(actor=bob, term=first.terms.get(), result="performed")
    with pytest.raises(ValidationError, match="司法确认提醒已撤销"):
        services.agreement_confirmation_done(actor=bob, agreement=first, applied=True)
    with pytest.raises(ValidationError, match="只有生效的协议"):
        services.agreement_fail(actor=bob, agreement=first, reason="again")


def test_a_failed_agreement_counts_as_a_failed_mediation_towards_orange(accepted, bob):
    """DOMAIN §3: 橙 when mediation failed at least twice — an agreement that came to nothing is one."""
    Dispute.objects.filter(pk=accepted.pk).update(failed_mediations=1)
    first = _record(accepted, bob)
    services.agreement_fail(actor=bob, agreement=first, reason="李四不履行")
    accepted.refresh_from_db()
    assert accepted.failed_mediations == 2
    assert accepted.suggested_level == "orange"
    assert any("调解失败" in r for r in accepted.suggested_reasons)
    event = accepted.events.get(kind=EventKind.AGREEMENT_FAILED)
    assert (
        event.data["before"]["failed_mediations"],
        event.data["after"]["failed_mediations"],
    ) == (
        1,
        2,
    )


def test_new_agreement_after_failure_supersedes_the_old_one(accepted, bob):
    first = _record(accepted, bob)
    services.term_check(actor=bob, term=first.terms.get(), result="not_performed")
    services.agreement_fail(actor=bob, agreement=first, reason="李四不履行")
    second = _record(accepted, bob, what="李四分两期赔偿张三2000元")
    first.refresh_from_db()
    assert first.status == AgreementStatus.SUPERSEDED and first.superseded_by == second
    assert first.fail_reason == "李四不履行"  # the failure stays on record
    dispute = Dispute.objects.get(pk=accepted.pk)
    assert dispute.agreement == second and dispute.agreement_in_force == second
    assert dispute.status == Status.PERFORMING and dispute.settled_at is not None
    assert _jc_clock(second).stopped_at is None and _jc_clock(first).state == ClockState.CANCELLED
    assert accepted.events.get(kind=EventKind.AGREEMENT, data__agreement=second.pk).data[
        "supersedes"
    ] == [first.pk]
    # the old 调解协议书 still renders, with its own terms
    text = "\n".join(
        p.text for p in Document(io.BytesIO(documents.agreement_docx(first))).paragraphs
    )
    assert "李四赔偿张三修缮费2000元" in text and "分两期" not in text
    assert documents.agreement_pdf(first).startswith(b"%PDF")


def test_dispute_agreement_is_the_latest_when_none_is_in_force(accepted, bob):
    assert Dispute.objects.get(pk=accepted.pk).agreement is None
    first = _record(accepted, bob)
    services.agreement_fail(actor=bob, agreement=first, reason="反悔")
    dispute = Dispute.objects.get(pk=accepted.pk)
    assert dispute.agreement == first and dispute.agreement_in_force is None


def test_closing_after_a_failed_agreement_needs_a_reason(accepted, bob):
    first = _record(accepted, bob)
    services.term_check(actor=bob, term=first.terms.get(), result="performed")
    services.agreement_fail(actor=bob, agreement=first, reason="另一方反悔,要求重新调解")
    with pytest.raises(ValidationError, match="未达成协议"):
        services.dispute_close(actor=bob, dispute=accepted)
    services.dispute_close(actor=bob, dispute=accepted, reason="引导诉讼")


def test_no_failure_on_a_closed_dispute_nor_by_an_outsider(accepted, bob, charlie):
    first = _record(accepted, bob)
    with pytest.raises(PermissionDenied):
        services.agreement_fail(actor=charlie, agreement=first, reason="x")
    services.term_check(actor=bob, term=first.terms.get(), result="performed")
    services.dispute_close(actor=bob, dispute=accepted)
    with pytest.raises(ValidationError, match="已结案"):
        services.agreement_fail(actor=bob, agreement=first, reason="x")


def test_rates_count_a_dispute_settled_twice_once(accepted, bob, alice):
    yesterday = TODAY - dt.timedelta(days=1)
    first = _record(accepted, bob, due=yesterday)  # due, checked: not performed
    services.term_check(actor=bob, term=first.terms.get(), result="not_performed")
    services.agreement_fail(actor=bob, agreement=first, reason="不履行")
    second = _record(accepted, bob, what="重新约定的赔偿", due=TODAY)
    services.term_check(actor=bob, term=second.terms.get(), result="performed")
    f = dispute_figures(alice, yesterday, TODAY)
    assert (f["agreements"], f["ended"], f["success_rate"]) == (1, 1, 1.0)
    # the breached term of the failed agreement counts as due and not performed
    assert (f["performed_terms"], f["due_terms"]) == (1, 2) and f["fulfilment_rate"] == 0.5
    assert [(r["name"], r["agreements"]) for r in f["by_mediator"]] == [("鲍勃", 1)]


def test_terms_not_yet_due_when_the_agreement_failed_are_not_counted(accepted, bob, alice):
    first = _record(accepted, bob, due=TODAY + dt.timedelta(days=3))
    services.agreement_fail(actor=bob, agreement=first, reason="签字次日即反悔")
    f = dispute_figures(
        alice, TODAY, TODAY + dt.timedelta(days=5), today=TODAY + dt.timedelta(days=5)
    )
    assert f["due_terms"] == 0 and f["agreements"] == 0


def test_file_closed_after_failed_agreement_is_an_unsuccessful_mediation(accepted, bob, alice):
    first = _record(accepted, bob)
    services.agreement_fail(actor=bob, agreement=first, reason="反悔")
    services.dispute_close(actor=bob, dispute=accepted, reason="调解不成")
    f = dispute_figures(alice, TODAY, TODAY)
    assert (f["agreements"], f["ended"], f["success_rate"]) == (0, 1, 0.0)


def test_existing_single_agreements_are_in_force(accepted, bob):
    """Rows written as before the change (one agreement, no status given) read as they did."""
    agreement = Agreement.objects.create(
        dispute=accepted, reached_on=TODAY, effective_date=TODAY, created_by=bob
    )
    dispute = Dispute.objects.get(pk=accepted.pk)
    assert agreement.status == AgreementStatus.IN_FORCE and agreement.superseded_by is None
    assert dispute.agreement == agreement and list(dispute.agreements.all()) == [agreement]
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(dispute=accepted, reached_on=TODAY, effective_date=TODAY)


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_existing_agreements(accepted, bob):
    """The migration itself on a database holding a single agreement (one-to-one era)."""
    from tests.migrations import migrated_to

    agreement = _record(accepted, bob)
    before = [("disputes", "0007_reference_per_station")]
    after = [("disputes", "0008_agreements_history_plan_revision")]
    with migrated_to(before) as executor:
        old = executor.loader.project_state(before).apps.get_model("disputes", "Agreement")
        assert old.objects.get(pk=agreement.pk).dispute_id == accepted.pk
        with migrated_to(after):
            pass
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.IN_FORCE and agreement.dispute_id == accepted.pk
    assert Dispute.objects.get(pk=accepted.pk).agreement == agreement
    assert [t.status for t in agreement.terms.all()] == [TermStatus.PENDING]


def test_page_lists_earlier_agreements_with_downloads(accepted, bob, bob_client, charlie_web):
    first = _record(accepted, bob)
    fail_url = reverse("disputes:agreement_fail", args=[accepted.pk])
    assert bob_client.post(fail_url, {"reason": ""}).status_code == 302
    page = bob_client.get(accepted.get_absolute_url()).content.decode()
    assert "请填写协议未能履行的原因" in page and 'id="agreement-fail-form"' in page
    assert bob_client.post(fail_url, {"reason": "李四反悔"}).status_code == 302
    page = bob_client.get(accepted.get_absolute_url()).content.decode()
    assert 'id="agreement-form"' in page and 'id="new-agreement-note"' in page
    assert f'id="agreement-{first.pk}"' in page and "未能履行" in page and "李四反悔" in page
    second = _record(accepted, bob, what="重新约定")
    page = bob_client.get(accepted.get_absolute_url()).content.decode()
    assert "已被新协议取代" in page and 'id="agreement-form"' not in page
    old_pdf = bob_client.get(reverse("disputes:agreement_file", args=[first.pk, "pdf"]))
    assert old_pdf.status_code == 200 and old_pdf.content.startswith(b"%PDF")
    old_docx = bob_client.get(reverse("disputes:agreement_file", args=[first.pk, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(old_docx.content)).paragraphs)
    assert "李四赔偿张三修缮费2000元" in text
    current = bob_client.get(reverse("disputes:agreement_document", args=[accepted.pk, "docx"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(current.content)).paragraphs)
    assert "重新约定" in text and second.pk
    assert (
        charlie_web.get(reverse("disputes:agreement_file", args=[first.pk, "pdf"])).status_code
        == 404
    )


def test_api_agreement_fail_then_new_agreement(accepted, bob, bob_client, charlie_web):
    first = _record(accepted, bob)
    base = f"/api/disputes/{accepted.pk}/"
    assert (
        charlie_web.post(
            f"{base}agreement-fail/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        bob_client.post(f"{base}agreement-fail/", {}, content_type="application/json").status_code
        == 400
    )
    body = {
        "form": "written",
        "reached_on": TODAY.isoformat(),
        "terms": [{"what": "重新约定", "due_date": TODAY.isoformat()}],
        "signed_parties": list(accepted.parties.values_list("pk", flat=True)),
    }
    r = bob_client.post(f"{base}agreement/", body, content_type="application/json")
    assert r.status_code == 400 and "已有生效的调解协议" in r.content.decode()
    r = bob_client.post(
        f"{base}agreement-fail/", {"reason": "反悔"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "mediating"
    assert r.json()["agreement"]["status"] == "failed"
    r = bob_client.post(
        f"{base}agreement-fail/", {"reason": "反悔"}, content_type="application/json"
    )
    assert r.status_code == 400 and "没有生效的调解协议" in r.content.decode()
    r = bob_client.post(f"{base}agreement/", body, content_type="application/json")
    assert r.status_code == 200, r.content
    data = r.json()
    assert (
        data["agreement"]["status"] == "in_force"
        and data["agreement"]["terms"][0]["what"] == "重新约定"
    )
    assert [(a["id"], a["status"]) for a in data["earlier_agreements"]] == [
        (first.pk, "superseded")
    ]
    listed = bob_client.get("/api/disputes/").json()["results"][0]
    assert listed["agreement"]["id"] == data["agreement"]["id"]
