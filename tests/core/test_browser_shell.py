import pytest

from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_logs_in_and_sees_the_navigation(page, live_server, alice):
    browser_login(page, live_server, alice)
    nav = page.locator("nav#sidenav").inner_text()
    from fengqiao.core.navigation import PARTS

    assert all(str(part.title) in nav for part in PARTS) and "建设中" not in nav
    assert "我的工作" in page.content()
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]
