"""Attacks from the audit of user text used as a template, a format string or a redirect address
(issue 19, docs/security.md "Audit"): a warning trigger's reason read as a str.format string, and
`next=` redirects to another site from the command room and the service desk."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from fengqiao.core.web import safe_next
from fengqiao.disputes.rules import DisputeFacts, reason_text

EVIL = ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "https:evil.example"]


class _Trigger:
    kind = "failed_mediations"
    value = "kw"

    def __init__(self, reason):
        self.reason = reason


def _facts():
    return DisputeFacts(parties=2, failed_mediations=3)


def test_a_reason_fills_its_two_placeholders():
    assert reason_text(_facts(), _Trigger("调解失败{fact}次({value})")) == "调解失败3次(kw)"


@pytest.mark.parametrize(
    "reason",
    [
        "{fact.__class__.__init__.__globals__}",
        "{value.__class__.__mro__}",
        "{0}",
        "{fact!r:>9999999}",
    ],
)
def test_a_reason_is_never_a_format_string(reason):
    assert reason_text(_facts(), _Trigger(reason)) == reason


@pytest.mark.django_db
def test_a_trigger_with_other_braces_is_refused(station):
    from fengqiao.accounts.choices import Role
    from fengqiao.disputes.services import trigger_save
    from tests.factories import UserFactory

    admin = UserFactory(username="adm", role=Role.ADMIN, station=station)
    with pytest.raises(ValidationError, match="占位符"):
        trigger_save(
            actor=admin,
            kind="failed_mediations",
            level="orange",
            threshold=2,
            reason="{fact.__class__.__init__.__globals__}",
        )


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_refuses_another_site(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next(request, "/fallback/") == "/fallback/"


def test_safe_next_keeps_a_local_address():
    request = RequestFactory().post("/", {"next": "/command/alerts/?kind=incident"})
    assert safe_next(request, "/fallback/") == "/command/alerts/?kind=incident"


@pytest.mark.django_db
@pytest.mark.parametrize("target", EVIL[:2])
def test_command_ack_does_not_redirect_off_site(client, login, station, target):
    from django.urls import reverse

    from fengqiao.accounts.choices import Role
    from fengqiao.command import alerts
    from tests.factories import UserFactory

    alert = alerts.alert_raise(
        station_id=station.pk,
        kind="incident",
        source_kind="incidents.incident",
        source_id=1,
        title="JQ 纠纷",
        announce=False,
    )
    login(client, UserFactory(username="cmd", role=Role.COMMAND, station=station))
    response = client.post(reverse("command:alert_ack", args=[alert.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("command:alert_list")
