"""The main paths in a real browser: the estates map and an estate's page with its traffic chart;
a regular unregistered visitor becomes a task that the community officer closes by registering the
person; a person's passes are searched only with a reason."""

import pytest

from fengqiao.core.models import PersonalDataAccess
from fengqiao.estates import services
from fengqiao.estates.models import RegistrationTask
from tests.browser import browser_login
from tests.estates import factories
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    return [e for e in page.csp_errors if "Content Security Policy" in e]


def test_map_estate_page_task_and_reasoned_search(
    page, live_server, bob, estate, gate, community_a
):
    dev = factories.device(gate)
    factories.events(dev, subject="900", days=(0, 4, 9))
    services.tasks_detect()
    person = PersonFactory(community=community_a, station=community_a.station)
    browser_login(page, live_server, bob)
    page.click("nav#sidenav >> text=平安智慧小区")
    page.wait_for_selector("[data-estate-map][data-estates='1']")
    page.click("table.estates-list >> text=百草苑小区")
    page.wait_for_selector("#estate-traffic-chart[data-drawn='1']")
    assert page.locator("table.devices >> text=在线").count() == 1

    page.click("nav.subnav >> text=核查登记任务")
    page.click("table.tasks >> text=900")
    # An ID number not yet in the registry needs a name (the person is then registered in the same flow).
    page.fill("input[name=id_number]", "511123190001011234")
    page.click("button:has-text('登记并办结')")
    page.wait_for_selector("text=该证件号码尚未登记")
    page.fill("input[name=id_number]", person.id_number)
    page.click("button:has-text('登记并办结')")
    page.wait_for_selector("#task-status >> text=已登记")
    assert RegistrationTask.objects.get().person == person

    page.click("text=查看该凭证的通行记录")
    page.click("form.event-filters button:has-text('查询')")
    page.wait_for_selector("#search-error >> text=事由")
    page.fill("input[name=reason]", "核实居民登记情况")
    page.click("form.event-filters button:has-text('查询')")
    page.wait_for_selector("#event-count >> text=共 3 条")
    assert PersonalDataAccess.objects.get().purpose == "核实居民登记情况"
    assert csp_violations(page) == []
