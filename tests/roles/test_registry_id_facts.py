"""The registry form takes 性别 and 出生日期 from a valid ID number (server and page) and refuses a
mismatch with a clear message (issue 24)."""

import datetime as dt

import pytest
from django.urls import reverse

from fengqiao.registry.models import Person
from tests.browser import browser_login
from tests.factories import make_id_number
from tests.registry.test_views import person_post

ID = make_id_number(31, birth=dt.date(1992, 6, 1), male=False)


@pytest.mark.django_db
def test_blank_sex_and_birth_date_come_from_the_id(bob_client, community_a):
    response = bob_client.post(reverse("registry:person_create"), person_post(community_a))
    assert response.status_code == 302
    person = Person.objects.get(name="赵新")
    assert (person.sex, person.birth_date) == ("F", dt.date(1992, 6, 1))


@pytest.mark.django_db
def test_a_mismatch_is_refused_with_the_ids_values_and_nothing_saved(bob_client, community_a):
    data = person_post(community_a, sex="M", birth_date="1990-01-01")
    response = bob_client.post(reverse("registry:person_create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and not Person.objects.filter(name="赵新").exists()
    assert "性别与身份证号不一致" in page and "1992-06-01" in page
    assert 'value="1990-01-01"' in page  # the input is kept


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_fills_sex_and_birth_date_as_the_id_is_typed(page, live_server, bob, community_a):
    browser_login(page, live_server, bob)
    page.goto(f"{live_server.url}{reverse('registry:person_create')}")
    page.fill("input[name=id_number]", ID)
    assert page.input_value("input[name=birth_date]") == "1992-06-01"
    assert page.input_value("select[name=sex]") == "F"
    page.select_option("select[name=sex]", "M")
    assert "性别与身份证号不一致" in page.locator("[data-id-note]").inner_text()
