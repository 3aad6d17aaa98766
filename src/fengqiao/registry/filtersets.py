"""Filters shared by the registry list pages, their exports and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fengqiao.core import masking
from fengqiao.registry import number_search, selectors
from fengqiao.registry.choices import (
    CommunityKind,
    HouseUse,
    OrganisationCategory,
    PersonCategory,
    Sex,
)
from fengqiao.registry.models import Address, Community, House, LiaisonPoint, Organisation, Person


def _community_choices(request):
    if request is None:
        return Community.objects.none()
    return Community.objects.visible_to(request.user)


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    community = django_filters.ModelChoiceFilter(label=_("社区/村"), queryset=_community_choices)
    category = django_filters.ChoiceFilter(label=_("人口类别"), choices=PersonCategory.choices)
    sex = django_filters.ChoiceFilter(label=_("性别"), choices=Sex.choices)
    house = django_filters.NumberFilter(label=_("房屋"), field_name="house_id")
    # By year only: a day-level range would find a person's birth date (and with it the middle of the
    # masked ID number) by halving the range query after query. See core/masking.py.
    born_from = django_filters.NumberFilter(
        label=_("出生年份不早于"), field_name="birth_date__year", lookup_expr="gte"
    )
    born_to = django_filters.NumberFilter(
        label=_("出生年份不晚于"), field_name="birth_date__year", lookup_expr="lte"
    )

    class Meta:
        model = Person
        fields = ["q", "community", "category", "sex", "house"]

    def search(self, queryset, name, value):
        """A search by number is rate-limited and recorded (registry/number_search.py): past the
        limit it raises NumberSearchLimited (429 on the API; the list page shows the message)."""
        request = self.request
        user = getattr(request, "user", None)
        if getattr(request, "number_search", True) is False:  # counted by the caller (exports)
            return selectors.person_search(queryset, value, scope=masking.search_scope(user))
        api = request is not None and getattr(request, "path", "").startswith("/api/")
        return number_search.search(
            user, queryset, value, channel="api-search" if api else "search"
        )


class HouseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    community = django_filters.ModelChoiceFilter(label=_("社区/村"), queryset=_community_choices)
    use = django_filters.ChoiceFilter(label=_("用途"), choices=HouseUse.choices)

    class Meta:
        model = House
        fields = ["q", "community", "use"]

    def search(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return selectors.house_search(
            queryset, value, whole=masking.has_need(user, masking.Kind.ADDRESS)
        )


class AddressFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    community = django_filters.ModelChoiceFilter(label=_("社区/村"), queryset=_community_choices)

    class Meta:
        model = Address
        fields = ["q", "community"]

    def search(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return selectors.address_search(
            queryset, value, whole=masking.has_need(user, masking.Kind.ADDRESS)
        )


class OrganisationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    community = django_filters.ModelChoiceFilter(label=_("社区/村"), queryset=_community_choices)
    category = django_filters.ChoiceFilter(label=_("类别"), choices=OrganisationCategory.choices)

    class Meta:
        model = Organisation
        fields = ["q", "community", "category"]

    def search(self, queryset, name, value):
        return selectors.organisation_search(queryset, value)


class CommunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="contains")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=CommunityKind.choices)

    class Meta:
        model = Community
        fields = ["q", "kind"]


class LiaisonPointFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), field_name="name", lookup_expr="contains")
    community = django_filters.ModelChoiceFilter(label=_("社区/村"), queryset=_community_choices)
    active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = LiaisonPoint
        fields = ["q", "community", "active"]
