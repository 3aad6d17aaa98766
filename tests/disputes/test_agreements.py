"""Agreements (written 调解协议书 / oral), fulfilment follow-up and the closing rules."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from fengqiao.core.models import Clock
from fengqiao.disputes import documents, services
from fengqiao.disputes.choices import Status, TermStatus
from fengqiao.disputes.models import Agreement, AgreementTerm, Dispute, MediationChannel
from fengqiao.notifications.models import Notification

TODAY = dt.date.today()


@pytest.fixture
def accepted(register, bob):
    dispute = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    return dispute


def _terms(dispute, due=TODAY + dt.timedelta(days=10)):
    zhang, li = list(dispute.parties.all())
    return [
        {"what": "李四赔偿张三修缮费2000元", "how": "现金当面交付", "due_date": due, "obligor": li},
        {
            "what": "李四疏通排水沟",
            "how": "自行施工",
            "due_date": due + dt.timedelta(days=5),
            "obligor": li,
        },
    ]


def _record(dispute, actor, **kwargs):
    data = {
        "form": "written",
        "reached_on": TODAY,
        "terms": _terms(dispute),
        "signed_parties": dispute.parties.all(),
        "facts": "两家因排水沟发生争吵",
        "issues": "修缮费用",
        "mediator": actor,
    }
    data.update(kwargs)
    return services.agreement_record(actor=actor, dispute=dispute, **data)


def test_written_agreement_creates_fulfilment_items_and_judicial_reminder(accepted, bob):
    agreement = _record(accepted, bob)
    accepted.refresh_from_db()
    assert accepted.status == Status.PERFORMING and accepted.settled_at is not None
    assert [t.status for t in agreement.terms.all()] == [TermStatus.PENDING, TermStatus.PENDING]
    clock = Clock.objects.get(kind="judicial_confirmation", object_id=agreement.pk)
    assert clock.assignee == bob and clock.stopped_at is None
    assert Notification.objects.filter(recipient=bob, kind="dispute_judicial_confirmation").exists()
    services.agreement_confirmation_done(actor=bob, agreement=agreement, applied=True)
    clock.refresh_from_db()
    assert clock.stopped_at is not None


def test_agreement_without_every_signature_is_refused(accepted, bob):
    zhang = accepted.parties.first()
    with pytest.raises(ValidationError, match="当事人未签字:李四"):
        _record(accepted, bob, signed_parties=[zhang])
    assert not Agreement.objects.exists()
    accepted.refresh_from_db()
    assert accepted.status == Status.MEDIATING


def test_term_without_due_date_is_refused(accepted, bob):
    terms = _terms(accepted)
    terms[1]["due_date"] = None
    with pytest.raises(ValidationError, match="没有履行期限"):
        _record(accepted, bob, terms=terms)
    assert not Agreement.objects.exists() and not AgreementTerm.objects.exists()


def test_oral_agreement_needs_its_content(accepted, bob):
    with pytest.raises(ValidationError, match="口头协议须记录协议内容"):
        _record(accepted, bob, form="oral", terms=[])
    agreement = _record(
        accepted,
        bob,
        form="oral",
        terms=[],
        oral_content="双方互相道歉,不再追究",
        effective_date=TODAY,
    )
    assert agreement.form == "oral" and agreement.effective_date == TODAY
    accepted.refresh_from_db()
    assert accepted.status == Status.AGREED
    services.dispute_close(actor=bob, dispute=accepted)  # nothing to perform
    accepted.refresh_from_db()
    assert accepted.status == Status.CLOSED


def test_word_document_has_the_required_contents(accepted, bob):
    agreement = _record(accepted, bob)
    text = "\n".join(
        p.text for p in Document(io.BytesIO(documents.agreement_docx(agreement))).paragraphs
    )
    assert "人民调解协议书" in text and accepted.reference in text
    assert "申请人:张三" in text and "被申请人:李四" in text
    assert "两家因排水沟发生争吵" in text and "争议事项:修缮费用" in text
    assert "李四赔偿张三修缮费2000元" in text and "现金当面交付" in text
    due = TODAY + dt.timedelta(days=10)
    assert f"{due:%Y年%m月%d日}前履行" in text
    assert "三十日内共同向人民法院申请司法确认" in text
    assert "本协议一式3份,当事人各执一份,调解组织留存一份" in text
    assert "当事人(申请人):张三(已签字)" in text and "调解员:鲍勃" in text


def test_pdf_document_is_a_pdf(accepted, bob):
    agreement = _record(accepted, bob)
    assert documents.agreement_pdf(agreement).startswith(b"%PDF")


def test_document_downloads_and_scoping(accepted, bob, bob_client, charlie_web):
    _record(accepted, bob)
    docx = bob_client.get(reverse("disputes:agreement_document", args=[accepted.pk, "docx"]))
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    pdf = bob_client.get(reverse("disputes:agreement_document", args=[accepted.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    assert (
        bob_client.get(
            reverse("disputes:agreement_document", args=[accepted.pk, "exe"])
        ).status_code
        == 404
    )
    assert (
        charlie_web.get(
            reverse("disputes:agreement_document", args=[accepted.pk, "pdf"])
        ).status_code
        == 404
    )


def test_dispute_closes_only_when_every_term_is_performed_or_with_a_reason(accepted, bob):
    agreement = _record(accepted, bob)
    first, second = agreement.terms.all()
    with pytest.raises(ValidationError, match="尚有协议内容未履行完毕"):
        services.dispute_close(actor=bob, dispute=accepted)
    services.term_check(actor=bob, term=first, result="performed", note="已当面交付")
    services.term_check(actor=bob, term=second, result="partly", note="疏通一半")
    with pytest.raises(ValidationError, match="李四疏通排水沟"):
        services.dispute_close(actor=bob, dispute=accepted)
    second.refresh_from_db()
    services.term_check(actor=bob, term=second, result="performed")
    assert second.visits.count() == 2
    services.dispute_close(actor=bob, dispute=accepted)
    accepted.refresh_from_db()
    assert accepted.status == Status.CLOSED and accepted.close_reason == ""
    assert not Clock.objects.filter(
        stopped_at__isnull=True, object_id__in=[accepted.pk, agreement.pk]
    ).exists()


def test_closing_with_unperformed_terms_needs_a_reason(accepted, bob):
    agreement = _record(accepted, bob)
    services.term_check(actor=bob, term=agreement.terms.first(), result="not_performed")
    services.dispute_close(actor=bob, dispute=accepted, reason="当事人已起诉至法院")
    accepted.refresh_from_db()
    assert accepted.status == Status.CLOSED and accepted.close_reason == "当事人已起诉至法院"


def test_closing_without_agreement_needs_a_reason(accepted, bob):
    with pytest.raises(ValidationError, match="未达成协议"):
        services.dispute_close(actor=bob, dispute=accepted)


def test_term_check_refuses_unknown_result_and_performed_term(accepted, bob):
    term = _record(accepted, bob).terms.first()
    with pytest.raises(ValidationError):
        services.term_check(actor=bob, term=term, result="maybe")
    services.term_check(actor=bob, term=term, result="performed")
    with pytest.raises(ValidationError, match="已履行完毕"):
        services.term_check(actor=bob, term=term, result="partly")


def test_agreement_page_keeps_input_on_refusal(accepted, bob_client):
    zhang, li = accepted.parties.all()
    url = reverse("disputes:agreement_create", args=[accepted.pk])
    response = bob_client.post(
        url,
        {
            "form": "written",
            "facts": "事实",
            "term-0-what": "赔偿2000元",
            "term-0-due_date": "",
            "signed": [zhang.pk, li.pk],
        },
    )
    assert response.status_code == 302
    page = bob_client.get(reverse("disputes:dispute_detail", args=[accepted.pk])).content.decode()
    assert "没有履行期限" in page and 'value="赔偿2000元"' in page
    assert not Agreement.objects.exists()
    response = bob_client.post(
        url,
        {
            "form": "written",
            "term-0-what": "赔偿2000元",
            "term-0-due_date": (TODAY + dt.timedelta(days=3)).isoformat(),
            "term-0-obligor": li.pk,
            "signed": [zhang.pk, li.pk],
        },
    )
    assert Agreement.objects.get().terms.get().obligor == li


def test_term_check_and_close_pages(accepted, bob, bob_client, charlie_web):
    agreement = _record(accepted, bob)
    first, second = agreement.terms.all()
    assert (
        charlie_web.post(
            reverse("disputes:term_check", args=[first.pk]), {"result": "performed"}
        ).status_code
        == 404
    )
    for term in (first, second):
        bob_client.post(
            reverse("disputes:term_check", args=[term.pk]), {"result": "performed", "note": "回访"}
        )
    bob_client.post(reverse("disputes:dispute_close", args=[accepted.pk]), {"reason": ""})
    assert Dispute.objects.get().status == Status.CLOSED


def test_due_terms_in_the_work_queue(accepted, bob):
    from django.utils import timezone

    from fengqiao.disputes.selectors import my_due_terms

    _record(accepted, bob, terms=_terms(accepted, due=TODAY))
    items = my_due_terms(bob, timezone.now())
    assert len(items) == 1 and "李四赔偿张三修缮费2000元" in items[0].title


def test_parties_edit_and_remove(accepted, bob, bob_client):
    zhang, li = accepted.parties.all()
    bob_client.post(
        reverse("disputes:party_edit", args=[li.pk]),
        {"name": "李四", "phone": "13900001111", "role": "respondent"},
    )
    li.refresh_from_db()
    assert li.phone == "13900001111"
    response = bob_client.post(
        reverse("disputes:party_edit", args=[li.pk]), {"name": "李四", "phone": "12"}
    )
    li.refresh_from_db()
    assert response.status_code == 302 and li.phone == "13900001111"
    _record(accepted, bob)
    with pytest.raises(ValidationError, match="已在调解协议上签字"):
        services.dispute_party_remove(actor=bob, party=li)
