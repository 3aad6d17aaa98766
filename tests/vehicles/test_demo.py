"""The vehicles demo (in the full demo): its open thefts carry their filed theft cases and leave the
reference station without a current red line."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from fengqiao.accounts.models import Station
from fengqiao.cases.selectors import detect
from fengqiao.vehicles.models import Theft

pytestmark = pytest.mark.django_db


def test_demo_open_thefts_have_filed_cases_and_no_red_line():
    call_command("demo", "--scale", "200", "--seed", "7", stdout=io.StringIO())
    open_thefts = list(Theft.objects.filter(status="open").select_related("case", "incident"))
    assert open_thefts
    for theft in open_thefts:
        case = theft.case
        assert case is not None and case.status == "handling" and case.offence.code == "XS-DQ"
        assert theft.incident.case_reference == case.reference
        assert case.lead_officer.rank == case.second_officer.rank == "police"
        assert case.lead_officer_id != case.second_officer_id
    assert detect(Station.objects.get(code="511123-YJ"), timezone.now()) == []
