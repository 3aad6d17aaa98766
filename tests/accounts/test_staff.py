from fengqiao.accounts.choices import Role
from fengqiao.accounts.models import LoginAttempt, User
from fengqiao.core.models import ObjectChange
from tests.factories import UnitFactory, UserFactory

NEW_USER = {
    "username": "xujiahao",
    "password": "Yujin-Mediator-2026",
    "full_name": "徐家豪",
    "role": Role.MEDIATOR,
    "rank": "police",
    "police_number": "051234",
    "phone": "13800001111",
    "is_active": "on",
}


def test_leader_creates_a_staff_member_of_the_station(alice_client, alice, community_a):
    unit = UnitFactory(station=alice.station, name="社区警务队")
    response = alice_client.post("/accounts/staff/new/", {**NEW_USER, "unit": unit.pk, "communities": [community_a.pk]})
    assert response.status_code == 302
    user = User.objects.get(username="xujiahao")
    assert user.station == alice.station and user.unit == unit and user.role == Role.MEDIATOR
    assert list(user.communities.all()) == [community_a]
    assert ObjectChange.objects.filter(object_repr="徐家豪", action="create", user=alice).exists()


def test_staff_form_refuses_a_duplicate_username_and_bad_phone(alice_client, bob):
    response = alice_client.post("/accounts/staff/new/", {**NEW_USER, "username": "BOB", "phone": "12345"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名已存在" in body
    assert "电话号码格式不正确" in body
    assert not User.objects.filter(full_name="徐家豪").exists()


def test_staff_form_refuses_a_weak_password(alice_client):
    response = alice_client.post("/accounts/staff/new/", {**NEW_USER, "password": "12345678"})
    assert response.status_code == 200
    assert not User.objects.filter(username="xujiahao").exists()


def test_community_officer_cannot_manage_staff(bob_client):
    assert bob_client.get("/accounts/staff/").status_code == 403
    assert bob_client.post("/accounts/staff/new/", NEW_USER).status_code == 403


def test_leader_cannot_open_another_stations_staff(alice_client, charlie):
    assert alice_client.get(f"/accounts/staff/{charlie.pk}/").status_code == 404
    assert "查理" not in alice_client.get("/accounts/staff/").content.decode()


def test_leader_changes_role_and_the_change_is_logged(alice_client, bob):
    response = alice_client.post(
        f"/accounts/staff/{bob.pk}/", {"full_name": "鲍勃", "role": Role.CASE_OFFICER, "rank": "police", "is_active": "on"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.CASE_OFFICER
    change = ObjectChange.objects.filter(object_id=bob.pk, action="update").latest("time")
    assert change.before["role"] == Role.COMMUNITY_OFFICER and change.after["role"] == Role.CASE_OFFICER
    assert "password" not in change.after


def test_leader_cannot_deactivate_themselves(alice_client, alice):
    response = alice_client.post(f"/accounts/staff/{alice.pk}/", {"full_name": "艾丽", "role": Role.STATION_LEADER, "rank": "police"})
    assert "不能停用自己的账号" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_leader_unlocks_a_locked_user(alice_client, bob):
    LoginAttempt.objects.bulk_create([LoginAttempt(username="bob", succeeded=False) for _ in range(6)])
    alice_client.post(f"/accounts/staff/{bob.pk}/unlock/")
    assert not LoginAttempt.objects.filter(username="bob", succeeded=False).exists()


def test_user_changes_own_password(bob_client, bob):
    response = bob_client.post("/accounts/me/", {"password1": "New-Password-2026", "password2": "New-Password-2026"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("New-Password-2026")


def test_mismatched_passwords_are_refused(bob_client, bob):
    response = bob_client.post("/accounts/me/", {"password1": "New-Password-2026", "password2": "Other-Password-2026"})
    assert "两次输入的密码不一致" in response.content.decode()


def test_bureau_user_sees_staff_of_every_station(client, login, alice, charlie):
    bureau_user = UserFactory(role=Role.BUREAU, station=None, bureau=alice.station.bureau)
    login(client, bureau_user)
    body = client.get("/accounts/staff/").content.decode()
    assert "艾丽" in body and "查理" in body
