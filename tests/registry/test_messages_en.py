"""Registry messages follow the user's language: Chinese by default, English when it is active."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from fengqiao.registry import rules, services
from tests.factories import make_id_number


@pytest.fixture(autouse=True)
def _default_language():
    """Start from the default language, and leave it so: a request with an English cookie leaves
    English active in this thread, which later tests (asserting Chinese) must not inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


def _bad_check_digit() -> str:
    number = make_id_number(7)
    wrong = "0" if number[-1] != "0" else "1"
    return number[:17] + wrong, number[-1]


def test_bad_id_check_digit_is_chinese_by_default():
    number, expected = _bad_check_digit()
    with pytest.raises(rules.InvalidIdNumber) as caught:
        rules.parse_id_number(number)
    assert str(caught.value) == f"身份证号校验位错误(应为{expected})"


def test_bad_id_check_digit_in_english():
    number, expected = _bad_check_digit()
    with translation.override("en"), pytest.raises(rules.InvalidIdNumber) as caught:
        rules.parse_id_number(number)
    assert (
        str(caught.value) == f"Wrong check character in the ID card number (should be {expected})"
    )


def test_id_number_length_and_phone_in_english():
    with translation.override("en"):
        with pytest.raises(rules.InvalidIdNumber, match="this one has 5"):
            rules.parse_id_number("12345")
        with pytest.raises(rules.InvalidPhone, match="^Wrong phone number format"):
            rules.normalise_phone("12345")


def test_mismatch_is_still_reported_on_the_right_field_in_english():
    facts = rules.parse_id_number(make_id_number(3))
    import datetime as dt

    with translation.override("en"):
        problems = rules.id_consistency_problems(facts, birth_date=dt.date(1999, 1, 1), sex="F")
    assert [field for field, _message in problems] == ["birth_date", "sex"]
    assert problems[1][1] == "The sex does not match the ID card number"


@pytest.mark.django_db
def test_permission_refusal_in_english(bob):
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        services.community_create(actor=bob, name="新社区")
    assert str(caught.value) == (
        "Only station leaders or a system administrator can create communities/villages"
    )


@pytest.mark.django_db
def test_duplicate_community_name_in_english(alice, community_a):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.community_create(actor=alice, name=community_a.name)
    assert caught.value.message_dict["name"] == [
        f"The station already has a community/village named “{community_a.name}”"
    ]


@pytest.mark.django_db
def test_api_refusal_follows_accept_language(bob, community_b):
    from rest_framework.test import APIClient

    from fengqiao.accounts.services import token_issue
    from tests.registry.test_api import create_payload

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(actor=bob)[1]}")
    payload = create_payload("persons", community_b)
    response = client.post(
        "/api/registry/persons/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not change the data of “东街社区”"
    response = client.post("/api/registry/persons/", payload, format="json")
    assert response.json()["detail"] == "您无权修改“东街社区”的数据"
