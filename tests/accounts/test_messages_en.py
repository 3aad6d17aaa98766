"""Account messages follow the user's language: Chinese by default, English when it is active."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fengqiao.accounts import services
from fengqiao.accounts.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    """Start from the default language, and leave it so: a request with an English cookie leaves
    English active in this thread, which later tests (asserting Chinese) must not inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


def test_wrong_password_message_in_english(client, alice):
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})
    assert "Wrong user name or password" in response.content.decode()
    assert "用户名或密码不正确" not in response.content.decode()


def test_duplicate_user_name_in_english(alice, station):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.user_create(
            actor=None,
            username="alice",
            password="Yujin-Station-2026!",
            full_name="重名",
            role=Role.AUXILIARY,
            station=station,
        )
    assert caught.value.message_dict["username"] == ["The user name “alice” already exists"]


def test_deactivating_oneself_is_refused_in_english(alice):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.staff_update(actor=alice, user=alice, is_active=False)
    assert caught.value.messages == ["You cannot deactivate your own account"]


def test_staff_management_refusal_in_english(bob, station):
    from django.core.exceptions import PermissionDenied

    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        services.staff_create(
            actor=bob,
            username="newcop",
            password="Yujin-Station-2026!",
            full_name="新民警",
            role=Role.AUXILIARY,
            station=station,
        )
    assert str(caught.value) == (
        "Only the station's leaders or a system administrator can manage the station's staff"
    )
