"""Every role's day in the browser (issue 24; PRODUCT.md "Who uses it", the matrix in docs/security.md):
one test per role signs in once and does that role's daily tasks end to end through the pages,
checking what the database and the screen show after each. One live server for the whole set;
the records a role starts from are made with the services (what earlier days left behind)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from fengqiao.accounts.choices import Rank, Role
from fengqiao.disputes import services as dispute_services
from fengqiao.disputes.models import Dispute, MediationChannel
from tests.browser import browser_login, type_where_focused
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def defaults(db):
    """The data-migration rows a transaction=True flush erases: rules, categories, offence types."""
    from fengqiao.core.services import rules_load_defaults

    rules_load_defaults()
    for module in (
        "fengqiao.incidents.migrations.0002_categories_and_arrival_rules",
        "fengqiao.cases.migrations.0002_offence_types_and_rules",
    ):
        importlib.import_module(module).load_defaults(apps)


def user(station, username, full_name, role, **extra):
    return UserFactory(username=username, full_name=full_name, role=role, station=station, **extra)


def no_csp_errors(page):
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def go(page, live_server, path, heading=None):
    response = page.goto(f"{live_server.url}{path}", wait_until="load")
    assert response.status == 200, f"{path}: {response.status}"
    if heading:
        page.wait_for_selector(f"h1 >> text={heading}")


# ----------------------------------------------------------------------------- 值班民警


def test_duty_officer_takes_a_call_dispatches_and_closes_it(
    page, live_server, station, bob, community_a, defaults
):
    from fengqiao.incidents.models import Incident, IncidentCategory

    duty = user(station, "liuyang", "刘洋", Role.DUTY_OFFICER)
    browser_login(page, live_server, duty)
    page.click("nav#sidenav >> text=警情")
    page.click("a:has-text('接警登记')")
    type_where_focused(page, "caller_phone", "13812345678")
    page.wait_for_selector("#phone-lookup >> text=该号码无报警记录")
    page.fill("input[name=caller_name]", "张三")
    page.select_option("select[name=category]", str(IncidentCategory.objects.get(code="JF-LL").pk))
    page.fill("input[name=location]", "西街18号")
    page.fill("textarea[name=narrative]", "邻居因噪音争吵")
    page.press("input[name=location]", "Enter")
    page.wait_for_selector("h1 >> text=JQ-")
    page.select_option("select[name=officers]", [str(bob.pk)])
    page.click("button:has-text('派警')")
    page.click("button:has-text('登记到场')")
    page.click("button:has-text('登记处置')")
    page.click("button:has-text('反馈')")
    page.select_option("select[name=outcome]", "mediated")
    page.fill("textarea[name=disposition]", "当场调解,双方和解")
    page.click("button:has-text('结警')")
    page.wait_for_selector(".status-closed")
    incident = Incident.objects.get()
    assert incident.status == "closed" and incident.received_by == duty
    # the incident list and the duty desk are his other screens
    go(page, live_server, "/incidents/")
    assert incident.reference in page.inner_text("main")
    go(page, live_server, "/desk/")
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 社区民警


def test_community_officer_registers_a_dispute_and_reads_his_community(
    page, live_server, bob, community_a
):
    from tests.factories import PersonFactory

    PersonFactory(community=community_a, station=community_a.station, name="王秀英")
    browser_login(page, live_server, bob)
    page.click("nav#sidenav >> text=矛盾纠纷")
    page.click("a:has-text('登记纠纷')")
    page.fill("textarea[name=narrative]", "楼上漏水淹了楼下厨房,双方争执赔偿")
    page.select_option("select[name=community]", str(community_a.pk))
    page.select_option("select[name=owner]", str(bob.pk))
    page.fill("input[name='party-0-name']", "张三")
    page.fill("input[name='party-0-phone']", "13812345678")
    page.fill("input[name='party-1-name']", "李四")
    page.select_option("select[name='party-1-role']", "respondent")
    page.click("button:has-text('登记')")
    page.wait_for_selector("h1 >> text=JF-")
    dispute = Dispute.objects.get()
    assert dispute.owner == bob and dispute.community == community_a
    # residents of his community, masked in the list
    go(page, live_server, "/registry/persons/")
    assert "王秀英" in page.inner_text("main")
    go(page, live_server, f"/registry/communities/{community_a.pk}/")
    assert community_a.name in page.inner_text("h1")
    go(page, live_server, "/disputes/")
    assert dispute.reference in page.inner_text("main")
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 调解员


def test_studio_mediator_records_a_session_on_a_file_of_his_channel(
    page, live_server, station, alice, register
):
    studio = MediationChannel.objects.get(code="studio")
    mediator = user(station, "fan", "范贤成", Role.MEDIATOR)
    earlier = dispute_services.dispute_accept(actor=alice, dispute=register(alice), channel=studio)
    dispute_services.session_record(
        actor=alice,
        dispute=earlier,
        held_at=timezone.now() - dt.timedelta(days=30),
        outcome="agreed",
        mediators=[mediator],
    )
    today = dispute_services.dispute_accept(actor=alice, dispute=register(alice), channel=studio)
    assert today.owner != mediator  # not his as 责任人: his channel's file
    browser_login(page, live_server, mediator)
    go(page, live_server, today.get_absolute_url(), today.reference)
    form = page.locator("form:has(button:has-text('保存调解记录'))")
    held = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form.locator("input[name=held_at]").fill(held)
    form.locator("input[name=place]").fill("平安犍嬢嬢调解工作室")
    form.locator("select[name=mediators]").select_option([str(mediator.pk)])
    form.locator("textarea[name=law_notes]").fill("讲解民法典相邻关系条款")
    form.locator("textarea[name=feeling_notes]").fill("邻里多年,各退一步")
    form.locator("select[name=outcome]").select_option("continue")
    form.locator("button:has-text('保存调解记录')").click()
    page.wait_for_selector("#mediation article.session >> text=讲解民法典相邻关系条款")
    session = today.sessions.get()
    assert session.recorded_by == mediator and list(session.mediators.all()) == [mediator]
    assert page.locator("#agreement-form").count() == 1  # 协议 is his to write next
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 办案民警 and 案管民警


def test_case_officer_opens_a_case_from_an_incident_and_closes_it(
    page, live_server, station, alice, community_a, defaults
):
    from fengqiao.cases.models import Case
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    officer = user(station, "guo", "郭鹏", Role.CASE_OFFICER)
    officer2 = user(station, "hu", "胡斌", Role.CASE_OFFICER)
    incident = incident_receive(
        actor=alice,
        station=station,
        category=IncidentCategory.objects.get(code="ZA-DO"),
        caller_name="张三",
        caller_phone="13812345678",
        location="西街8号",
        community=community_a,
        received_at=timezone.now() - dt.timedelta(hours=30),
    )
    browser_login(page, live_server, officer)
    go(page, live_server, "/cases/")
    page.click("a:has-text('有案不立 1 起')")
    page.click("#unfiled-overdue >> a:has-text('受案/立案')")
    page.select_option("select[name=lead_officer]", str(officer.pk))
    page.select_option("select[name=second_officer]", str(officer2.pk))
    page.click("button:has-text('登记')")
    page.wait_for_selector("h1 >> text=XZ-")
    page.click("button:has-text('受理')")
    page.wait_for_selector("#case-status >> text=办理中")
    page.select_option("#work-form select[name=kind]", "interview")
    page.fill("#work-form input[name=note]", "询问被侵害人张三")
    page.click("#work-form button:has-text('登记')")
    page.wait_for_selector("#work >> text=询问被侵害人张三")
    page.fill("input[name=text]", "警告")
    page.select_option("select[name=penalty_kind]", "warning")
    page.select_option("select[name=mode]", "present")
    page.click("button:has-text('作出处罚决定')")
    page.wait_for_selector("dt >> text=处罚决定")
    page.fill("textarea[name=summary]", "警告处罚,结案")
    page.click("#actions button:has-text('结案')")
    page.wait_for_selector("#case-status >> text=已结案")
    case = Case.objects.get()
    incident.refresh_from_db()
    assert case.status == "closed" and incident.case_reference == case.reference
    no_csp_errors(page)


def test_case_room_supervises_reviews_and_reads_the_weekly_summary(
    page, live_server, station, alice, defaults
):
    from fengqiao.cases import services as case_services
    from fengqiao.cases.models import Case, OffenceType

    manager = user(station, "gao", "高敏", Role.CASE_MANAGER)
    officer = user(station, "guo", "郭鹏", Role.CASE_OFFICER)
    officer2 = user(station, "hu", "胡斌", Role.CASE_OFFICER)
    case = case_services.case_open(
        actor=officer,
        station=station,
        kind="administrative",
        offence=OffenceType.objects.filter(kind="administrative").first(),
        title="张三殴打他人案",
        lead_officer=officer,
        second_officer=officer2,
    )
    browser_login(page, live_server, manager)
    go(page, live_server, "/command/supervision/")  # the case room's red-line page (was 403)
    go(page, live_server, "/cases/room/")  # 案管室每日监督
    page.wait_for_selector("#red-lines")
    go(page, live_server, "/cases/")
    assert case.reference in page.inner_text("main")
    go(page, live_server, case.get_absolute_url(), case.reference)
    page.click("a:has-text('案管室')")
    page.wait_for_selector("#red-lines")
    page.click("a:has-text('周汇总')")
    page.wait_for_load_state("load")
    assert "周汇总" in page.inner_text("main")
    assert Case.objects.count() == 1
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 所领导


def test_leader_reads_every_dashboard_and_the_red_dispute_plan(
    page, live_server, alice, bob, register
):
    red = register(bob, narrative="被申请人扬言拼命", owner=bob)
    assert red.level == "red"
    browser_login(page, live_server, alice)
    for path in ("/", "/command/", "/command/supervision/", "/cases/", "/reports/", "/disputes/"):
        go(page, live_server, path)
    go(page, live_server, red.get_absolute_url(), red.reference)
    assert page.locator("#no-plan").is_visible()  # the red file still lacks its 一案一策
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 辅警 at the install desk


def test_install_desk_auxiliary_reports_a_theft_of_any_vehicle_of_the_station(
    page, live_server, station, alice, bob, vehicle
):
    from fengqiao.vehicles.models import Theft

    desk = user(station, "fujing", "辅警甲", Role.AUXILIARY, rank=Rank.AUXILIARY)
    assert not desk.communities.exists()  # the vehicle's community is not his
    browser_login(page, live_server, desk)
    go(page, live_server, "/vehicles/")
    go(page, live_server, vehicle.get_absolute_url(), vehicle.plate)
    page.click("a.button:has-text('报被盗')")
    page.wait_for_selector("h1 >> text=报被盗")
    page.fill("input[name=place]", "西街菜市场门口")
    page.fill("input[name=reporter_name]", "徐明")
    page.fill("input[name=reporter_phone]", "13900001111")
    page.fill("textarea[name=narrative]", "买菜出来发现车不见了")
    page.select_option("select[name=lead_officer]", label="艾丽")
    page.select_option("select[name=second_officer]", label="鲍勃")
    page.click("button:has-text('登记被盗')")
    page.wait_for_url("**/vehicles/thefts/*/", wait_until="load")
    theft = Theft.objects.get()
    assert theft.vehicle == vehicle and page.locator("#theft-status").inner_text() == "追查中"
    go(page, live_server, "/incidents/callbacks/")  # his callback queue
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 指挥室


def test_command_room_runs_a_video_patrol_round(page, live_server, station, defaults):
    from fengqiao.command.models import Camera, PatrolCheck, PatrolPoint

    commander = user(station, "fenggang", "冯刚", Role.COMMAND)
    camera = Camera.objects.create(
        station=station, name="西街-路口", place="西街口", stream_kind="hls",
        stream_url="/command/demo-stream/index.m3u8",
    )  # fmt: skip
    point = PatrolPoint.objects.create(station=station, name="西街")
    point.cameras.add(camera)
    browser_login(page, live_server, commander)
    go(page, live_server, "/command/")
    go(page, live_server, f"/command/patrol/?point={point.pk}")
    page.click("button:has-text('开始一轮巡查')")
    page.wait_for_selector("#round-progress")
    go(page, live_server, f"/command/patrol/?point={point.pk}")
    page.select_option("#check-form select[name=result]", "normal")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#round-progress:has-text('1 / 1')")
    check = PatrolCheck.objects.get()
    assert check.by == commander and check.patrol_round is not None
    go(page, live_server, "/command/patrol/log/")
    no_csp_errors(page)


# ----------------------------------------------------------------------------- 县局, 审计员


def test_bureau_user_reads_across_stations_without_edit_actions(
    page, live_server, station, other_station, bob, charlie, register
):
    from tests.factories import CommunityFactory

    mine = register(bob)
    qingxi = CommunityFactory(station=other_station, name="清溪社区")
    qingxi.officers.add(charlie)
    theirs = register(charlie, community=qingxi)
    bureau = user(station, "lijun", "李军", Role.BUREAU)
    browser_login(page, live_server, bureau)
    go(page, live_server, "/disputes/")
    listed = page.inner_text("main")
    assert mine.reference in listed and theirs.reference in listed
    go(page, live_server, theirs.get_absolute_url(), theirs.reference)
    assert page.locator("button:has-text('受理调解')").count() == 0
    no_csp_errors(page)


def test_auditor_searches_the_change_log_by_user(page, live_server, station, bob, register):
    dispute = register(bob)
    auditor = user(station, "shenjie", "沈洁", Role.AUDITOR)
    browser_login(page, live_server, auditor)
    go(page, live_server, "/core/changes/")
    page.fill("input[name=text]", dispute.reference)
    page.click("form.filters button:has-text('查询')")
    page.wait_for_load_state("load")
    assert dispute.reference in page.inner_text("main table")
    go(page, live_server, "/core/changes/?tab=access")  # who saw whose personal data
    no_csp_errors(page)
