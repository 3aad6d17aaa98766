"""The desk's screens hear of every ticket change through the push tier (desk:<station>)."""

import pytest

from fengqiao.desk import services
from fengqiao.push.models import PushEvent

pytestmark = pytest.mark.django_db


def test_taking_and_calling_a_number_tells_the_station_desk_screens(
    clerk, service_a, counter1, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_take(actor=clerk, service=service_a)
        services.ticket_call_next(actor=clerk, counter=counter1)
    events = list(PushEvent.objects.order_by("id").values_list("audience", "kind", "payload"))
    assert [e[0] for e in events] == [f"desk:{station.pk}"] * len(events)
    assert {e[1] for e in events} == {"desk.ticket"}
    assert events[0][2]["ticket"] == ticket.number
    assert events[-1][2]["counter"] == counter1.pk
