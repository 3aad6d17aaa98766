import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import category_create, category_update

pytestmark = pytest.mark.django_db


def test_shipped_categories_cover_domain_list(db):
    names = set(IncidentCategory.objects.filter(parent__isnull=True).values_list("name", flat=True))
    assert {
        "刑事",
        "治安",
        "交通",
        "火灾",
        "纠纷",
        "求助",
        "举报",
        "投诉(民警)",
        "灾害事故",
        "群体性事件",
        "其他",
    } <= names
    assert IncidentCategory.objects.get(code="XS").requires_case
    assert IncidentCategory.objects.get(code="JF").is_dispute


def test_admin_creates_a_sub_category(rules_admin):
    parent = IncidentCategory.objects.get(code="JF")
    category = category_create(
        actor=rules_admin, code="jf-zd", name="宅基地纠纷", parent=parent, is_dispute=True
    )
    assert category.code == "JF-ZD" and str(category) == "纠纷/宅基地纠纷"


def test_station_officer_cannot_edit_categories(bob):
    with pytest.raises(PermissionDenied):
        category_create(actor=bob, code="X1", name="x")


def test_case_category_needs_a_review_kind(rules_admin):
    with pytest.raises(ValidationError, match="审查时限类型"):
        category_create(actor=rules_admin, code="X2", name="x", requires_case=True)


def test_duplicate_code_refused(rules_admin):
    with pytest.raises(ValidationError, match="已存在"):
        category_update(
            actor=rules_admin,
            category=IncidentCategory.objects.get(code="QZ"),
            code="XS",
            name="求助",
        )


def test_category_page_reads_for_all_and_posts_for_admins(bob_client, client, login, rules_admin):
    assert "刑事" in bob_client.get(reverse("incidents:category_list")).content.decode()
    assert (
        bob_client.post(reverse("incidents:category_list"), {"code": "Y", "name": "y"}).status_code
        == 403
    )
    client.logout()
    login(client, rules_admin)
    response = client.post(
        reverse("incidents:category_list"),
        {"code": "Y1", "name": "新类别", "active": "on", "sort": 5},
    )
    assert response.status_code == 302 and IncidentCategory.objects.filter(code="Y1").exists()
