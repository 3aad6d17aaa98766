"""Pages of the 一标三实 registry: lists, details, create and edit forms, the community map.

Every read goes through `visible_to(user)`, every write through `services` (which checks
`editable_by`). A record outside the user's station is a 404; one they see but may not
change is a 403 page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fengqiao.accounts.roles import (
    AUDIT_ROLES,
    KEY_PERSON_ROLES,
    LEADER_ROLES,
    REGISTRY_IMPORT_ROLES,
    has_role,
)
from fengqiao.core import geo, masking
from fengqiao.core.history import timeline_for
from fengqiao.core.models import PersonalDataAccess
from fengqiao.core.pagination import KeysFirstPaginator
from fengqiao.core.permissions import can_edit
from fengqiao.core.web import forbidden
from fengqiao.registry import filtersets, forms, number_search, permissions, selectors, services
from fengqiao.registry.models import (
    Address,
    Community,
    CommunityGrant,
    House,
    LiaisonPoint,
    Organisation,
    Person,
)

PAGE_SIZE = 50


@dataclass(frozen=True)
class Kind:
    key: str
    model: type
    filterset: type
    title: str
    related: tuple = ()
    sorts: dict = field(default_factory=dict)  # sort key -> order_by field
    placeholder: str = ""
    importable: bool = False
    creatable: bool = True


KINDS = {
    "person": Kind(
        "person",
        Person,
        filtersets.PersonFilterSet,
        _("实有人口"),
        related=("community", "address"),
        sorts={
            "name": "name",
            "birth_date": "birth_date__year",
            "community": "community__name",
            "category": "category",
            "created_at": "created_at",
        },
        placeholder=_("姓名、拼音首字母、身份证号、手机号或地址"),
        importable=True,
    ),
    "house": Kind(
        "house",
        House,
        filtersets.HouseFilterSet,
        _("实有房屋"),
        related=("community", "address__community"),
        sorts={
            "address": "address__full_text",
            "use": "use",
            "community": "community__name",
            "owner": "owner_name",
        },
        placeholder=_("地址、房主姓名或电话"),
        importable=True,
    ),
    "address": Kind(
        "address",
        Address,
        filtersets.AddressFilterSet,
        _("标准地址"),
        related=("community",),
        sorts={"full_text": "full_text", "community": "community__name", "code": "code"},
        placeholder=_("地址或地址编码"),
    ),
    "organisation": Kind(
        "organisation",
        Organisation,
        filtersets.OrganisationFilterSet,
        _("实有单位"),
        related=("community", "address__community"),
        sorts={
            "name": "name",
            "category": "category",
            "community": "community__name",
            "employee_count": "employee_count",
        },
        placeholder=_("单位名称、拼音首字母、信用代码或地址"),
    ),
    "community": Kind(
        "community",
        Community,
        filtersets.CommunityFilterSet,
        _("社区/村"),
        sorts={"name": "name", "kind": "kind"},
        placeholder=_("名称"),
    ),
    "liaison_point": Kind(
        "liaison_point",
        LiaisonPoint,
        filtersets.LiaisonPointFilterSet,
        _("排查联络点"),
        related=("community",),
        sorts={"name": "name", "community": "community__name", "contact_name": "contact_name"},
        placeholder=_("联络点名称"),
    ),
}

CREATE = {
    "person": services.person_create,
    "house": services.house_create,
    "address": services.address_create,
    "organisation": services.organisation_create,
    "liaison_point": services.liaison_point_create,
    "community": services.community_create,
}
UPDATE = {
    "person": lambda actor, obj, **data: services.person_update(actor=actor, person=obj, **data),
    "house": lambda actor, obj, **data: services.house_update(actor=actor, house=obj, **data),
    "address": lambda actor, obj, **data: services.address_update(actor=actor, address=obj, **data),
    "organisation": lambda actor, obj, **data: services.organisation_update(
        actor=actor, organisation=obj, **data
    ),
    "community": lambda actor, obj, **data: services.community_update(
        actor=actor, community=obj, **data
    ),
    "liaison_point": lambda actor, obj, **data: services.liaison_point_update(
        actor=actor, point=obj, **data
    ),
}
# Fields whose values are personal data and can be revealed on a person's page.
PERSON_REVEAL_FIELDS = ["id_number", "birth_date", "phone", "address", "registered_address"]


def _exchange_links(request, kind: Kind) -> dict:
    """Links to the import/export pages of the `exchange` app, when it is installed."""
    links = {}
    try:
        url = reverse("exchange:export", args=[kind.key])
        query = request.GET.copy()
        query.pop("page", None)
        links["export"] = f"{url}?{query.urlencode()}" if query else url
    except NoReverseMatch:
        pass
    if kind.importable and has_role(request.user, REGISTRY_IMPORT_ROLES):
        try:
            links["import"] = reverse("exchange:import_start", args=[kind.key])
        except NoReverseMatch:
            pass
    return links


def _list(request, key: str):
    kind = KINDS[key]
    user = request.user
    queryset = kind.model.objects.visible_to(user)
    if kind.related:
        queryset = queryset.select_related(*kind.related)
    if key == "community":
        queryset = (
            queryset.annotate(person_count=Count("persons", distinct=True))
            .prefetch_related("officers")
            .order_by("kind", "name")
        )
    filterset = kind.filterset(request.GET or None, queryset=queryset, request=request)
    try:
        queryset = filterset.qs
    except number_search.NumberSearchLimited as exc:
        messages.error(request, str(exc.detail))
        queryset = queryset.none()
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in kind.sorts:
        order = kind.sorts[sort.lstrip("-")]
        queryset = queryset.order_by(("-" if sort.startswith("-") else "") + order, "pk")
    elif key == "person" and request.GET.get("q", "").strip():
        # Sort the (few) matches after filtering: ordering by the bare column makes SQLite walk the
        # whole name index and test every row, which is ten times slower on a 150,000-person station.
        queryset = queryset.order_by(Lower("name"), "pk")
    # a person's row is wide (address and community joined): page by keys first, so a search's
    # cost follows the page, not how many people match (core/pagination.py)
    paginator = KeysFirstPaginator if key == "person" else Paginator
    page = paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = kind.creatable and _may_create(user, key)
    return render(
        request,
        "registry/list.html",
        {
            "kind": kind,
            "filterset": filterset,
            "page": page,
            "sort": sort,
            "can_create": can_create,
            "exchange": _exchange_links(request, kind),
            "q": request.GET.get("q", ""),
        },
    )


def _may_create(user, key: str) -> bool:
    if key == "community":
        return permissions.can_create_community(user)
    return Community.objects.editable_by(user).exists()


def _edit(request, key: str, pk=None):
    kind = KINDS[key]
    user = request.user
    obj = None
    if pk is not None:
        obj = get_object_or_404(kind.model.objects.visible_to(user), pk=pk)
        if not can_edit(user, obj):
            return forbidden(request, _("您可以查看但无权修改这条记录"))
    elif key not in CREATE or not _may_create(user, key):
        return forbidden(request, _("您无权新建这类记录"))
    form_class = forms.FORMS[key]
    initial = {}
    if obj is None:
        for name in ("community", "address", "house", "employer"):
            if request.GET.get(name, "").isdigit():
                initial[name] = request.GET[name]
    form = form_class(request.POST or None, instance=obj, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            if obj is None:
                obj = CREATE[key](actor=user, **data)
                messages.success(request, _("已保存"))
            else:
                obj = UPDATE[key](user, obj, **data)
                messages.success(request, _("已保存修改"))
        except ValidationError as exc:
            form.apply_errors(exc)
            if pk is not None:
                obj = kind.model.objects.get(pk=pk)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        else:
            return redirect(f"registry:{key}_detail", pk=obj.pk)
    return render(
        request,
        "registry/form.html",
        {
            "kind": kind,
            "form": form,
            "obj": obj,
            "obj_label": _label(user, obj),
            "creating": obj is None,
        },
    )


def _label(user, obj) -> str:
    """How a record is named on its pages: a house or address reads as its address, masked for a role
    without the address need (core/masking.py)."""
    if isinstance(obj, House):
        return masking.place_address(user, obj.address)
    if isinstance(obj, Address):
        return masking.place_address(user, obj)
    return "" if obj is None else str(obj)


def _detail_context(request, obj) -> dict:
    return {"obj": obj, "can_edit": can_edit(request.user, obj), "changes": timeline_for(obj)}


# ----------------------------------------------------------------------------- persons


@login_required
def person_list(request):
    return _list(request, "person")


@login_required
def person_create(request):
    return _edit(request, "person")


@login_required
def person_edit(request, pk):
    return _edit(request, "person", pk)


def _person(request, pk):
    queryset = Person.objects.visible_to(request.user).select_related(
        "community", "address", "house__address", "employer", "station"
    )
    return get_object_or_404(queryset, pk=pk)


def _person_context(request, person) -> dict:
    user = request.user
    context = _detail_context(request, person)
    context["can_reveal"] = permissions.can_reveal(user)
    context["show_labels"] = has_role(user, KEY_PERSON_ROLES)
    if context["show_labels"]:
        context["labels"] = list(person.labels.all())
    if person.house_id:
        context["household"] = (
            Person.objects.visible_to(user)
            .filter(house_id=person.house_id)
            .exclude(pk=person.pk)
            .order_by("relation", "name")[:50]
        )
    context["owned_houses"] = (
        House.objects.visible_to(user).filter(owner=person).select_related("address")
    )
    if has_role(user, AUDIT_ROLES | LEADER_ROLES):
        context["accesses"] = PersonalDataAccess.objects.filter(
            content_type__app_label="registry", content_type__model="person", object_id=person.pk
        )[:50]
    return context


@login_required
def person_detail(request, pk):
    return render(
        request, "registry/person_detail.html", _person_context(request, _person(request, pk))
    )


@login_required
def person_reveal(request, pk):
    """Show a person's full ID number, phone and addresses (HTMX swaps the block), recording the view."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    person = _person(request, pk)
    try:
        services.personal_data_reveal(
            actor=request.user,
            obj=person,
            fields=PERSON_REVEAL_FIELDS,
            purpose=request.POST.get("purpose", ""),
        )
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        # still masked, with the reason (htmx swaps only 2xx answers, so the block comes back as 200)
        error = " ".join(exc.messages)
        if request.headers.get("HX-Request"):
            return render(
                request,
                "registry/_person_pii.html",
                {"obj": person, "can_reveal": True, "reveal_error": error},
            )
        context = _person_context(request, person)
        context["reveal_error"] = error
        return render(request, "registry/person_detail.html", context, status=400)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "registry/_person_pii.html",
            {"obj": person, "revealed": True, "can_reveal": True},
        )
    context = _person_context(request, person)
    context["revealed"] = True
    return render(request, "registry/person_detail.html", context)


# ----------------------------------------------------------------------------- houses


@login_required
def house_list(request):
    return _list(request, "house")


@login_required
def house_create(request):
    return _edit(request, "house")


@login_required
def house_edit(request, pk):
    return _edit(request, "house", pk)


@login_required
def house_detail(request, pk):
    user = request.user
    house = get_object_or_404(
        House.objects.visible_to(user).select_related("community", "address", "owner"), pk=pk
    )
    context = _detail_context(request, house)
    context["occupants"] = (
        Person.objects.visible_to(user).filter(house=house).order_by("relation", "name")
    )
    context["organisations"] = Organisation.objects.visible_to(user).filter(
        address_id=house.address_id
    )
    return render(request, "registry/house_detail.html", context)


# ----------------------------------------------------------------------------- addresses


@login_required
def address_list(request):
    return _list(request, "address")


@login_required
def address_create(request):
    return _edit(request, "address")


@login_required
def address_edit(request, pk):
    return _edit(request, "address", pk)


@login_required
def address_detail(request, pk):
    user = request.user
    address = get_object_or_404(Address.objects.visible_to(user).select_related("community"), pk=pk)
    context = _detail_context(request, address)
    context["whole"] = masking.has_need(user, masking.Kind.ADDRESS)
    context["house"] = House.objects.visible_to(user).filter(address=address).first()
    context["residents"] = (
        Person.objects.visible_to(user).filter(address=address).order_by("name")[:200]
    )
    context["organisations"] = Organisation.objects.visible_to(user).filter(address=address)
    return render(request, "registry/address_detail.html", context)


# ----------------------------------------------------------------------------- organisations


@login_required
def organisation_list(request):
    return _list(request, "organisation")


@login_required
def organisation_create(request):
    return _edit(request, "organisation")


@login_required
def organisation_edit(request, pk):
    return _edit(request, "organisation", pk)


@login_required
def organisation_detail(request, pk):
    user = request.user
    org = get_object_or_404(
        Organisation.objects.visible_to(user).select_related(
            "community", "address", "legal_representative_person"
        ),
        pk=pk,
    )
    context = _detail_context(request, org)
    context["staff"] = Person.objects.visible_to(user).filter(employer=org).order_by("name")[:200]
    context["house"] = House.objects.visible_to(user).filter(address_id=org.address_id).first()
    return render(request, "registry/organisation_detail.html", context)


# ----------------------------------------------------------------------------- communities


@login_required
def community_list(request):
    return _list(request, "community")


@login_required
def community_create(request):
    return _edit(request, "community")


@login_required
def community_edit(request, pk):
    return _edit(request, "community", pk)


@login_required
def community_detail(request, pk):
    user = request.user
    community = get_object_or_404(
        Community.objects.visible_to(user).prefetch_related("officers"), pk=pk
    )
    context = _detail_context(request, community)
    context["counts"] = (
        Person.objects.visible_to(user)
        .filter(community=community)
        .aggregate(
            total=Count("id"),
            registered=Count("id", filter=Q(category="registered")),
            floating=Count("id", filter=Q(category="floating")),
            foreign=Count("id", filter=Q(category="foreign")),
        )
    )
    context["house_count"] = House.objects.visible_to(user).filter(community=community).count()
    context["organisation_count"] = (
        Organisation.objects.visible_to(user).filter(community=community).count()
    )
    context["liaison_points"] = LiaisonPoint.objects.visible_to(user).filter(community=community)
    context["is_leader"] = has_role(user, LEADER_ROLES)
    if context["is_leader"]:
        context["grants"] = CommunityGrant.objects.filter(community=community).select_related(
            "user", "granted_by"
        )
        context["grant_form"] = forms.CommunityGrantForm(community=community)
    return render(request, "registry/community_detail.html", context)


@login_required
@require_POST
def community_grant(request, pk):
    user = request.user
    community = get_object_or_404(Community.objects.visible_to(user), pk=pk)
    form = forms.CommunityGrantForm(request.POST, community=community)
    if form.is_valid():
        try:
            services.community_grant(actor=user, community=community, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已授权"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("registry:community_detail", pk=community.pk)


@login_required
@require_POST
def community_grant_revoke(request, pk, grant_pk):
    user = request.user
    community = get_object_or_404(Community.objects.visible_to(user), pk=pk)
    grant = get_object_or_404(CommunityGrant, pk=grant_pk, community=community)
    try:
        services.community_grant_revoke(actor=user, grant=grant)
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    messages.success(request, _("已撤销授权"))
    return redirect("registry:community_detail", pk=community.pk)


@login_required
def community_map(request):
    return render(
        request, "registry/map.html", {"geojson_url": reverse("registry:community_geojson")}
    )


@login_required
def community_geojson(request):
    """The user's communities as GeoJSON: a boundary feature and a centre point for each one."""
    features = []
    for community in Community.objects.visible_to(request.user).annotate(
        person_count=Count("persons")
    ):
        props = {
            "id": community.pk,
            "name": community.name,
            "kind": community.get_kind_display(),
            "url": reverse("registry:community_detail", args=[community.pk]),
            "persons": community.person_count,
        }
        boundary = community.boundary
        if isinstance(boundary, dict):
            geometry = boundary.get("geometry") if boundary.get("type") == "Feature" else boundary
            if boundary.get("type") == "FeatureCollection":
                for feature in boundary.get("features", []):
                    features.append(
                        {
                            "type": "Feature",
                            "geometry": geo.map_geometry(feature.get("geometry")),
                            "properties": {**props, "role": "boundary"},
                        }
                    )
            elif geometry:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": geo.map_geometry(geometry),
                        "properties": {**props, "role": "boundary"},
                    }
                )
        centre = geo.map_feature_point(community.latitude, community.longitude)
        if centre is not None:
            features.append(
                {"type": "Feature", "geometry": centre, "properties": {**props, "role": "centre"}}
            )
    return JsonResponse({"type": "FeatureCollection", "features": features})


# ----------------------------------------------------------------------------- liaison points


@login_required
def liaison_point_list(request):
    return _list(request, "liaison_point")


@login_required
def liaison_point_create(request):
    return _edit(request, "liaison_point")


@login_required
def liaison_point_edit(request, pk):
    return _edit(request, "liaison_point", pk)


@login_required
def liaison_point_detail(request, pk):
    point = get_object_or_404(
        LiaisonPoint.objects.visible_to(request.user).select_related("community"), pk=pk
    )
    return render(request, "registry/liaison_point_detail.html", _detail_context(request, point))


# ----------------------------------------------------------------------------- choice search


@login_required
def options(request, kind):
    """Up to 20 records for a SearchSelect (JSON), from what the user can see."""
    user = request.user
    query = request.GET.get("q", "").strip()
    if kind == "address":
        whole = masking.has_need(user, masking.Kind.ADDRESS)
        addresses = selectors.address_search(
            Address.objects.visible_to(user).select_related("community"), query, whole=whole
        )
        rows = [(a.pk, masking.place_address(user, a)) for a in addresses[:20]]
    elif kind == "house":
        whole = masking.has_need(user, masking.Kind.ADDRESS)
        houses = selectors.house_search(
            House.objects.visible_to(user).select_related("address__community"), query, whole=whole
        )[:20]
        rows = [(h.pk, masking.place_address(user, h.address)) for h in houses]
    elif kind == "organisation":
        rows = [
            (o.pk, o.name)
            for o in selectors.organisation_search(Organisation.objects.visible_to(user), query)[
                :20
            ]
        ]
    elif kind == "person":
        try:
            people = number_search.search(user, Person.objects.visible_to(user), query)[:20]
        except number_search.NumberSearchLimited as exc:
            return JsonResponse({"results": [], "error": str(exc.detail)}, status=429)
        rows = [(p.pk, f"{p.name}({masking.mask_id_number(p.id_number)})") for p in people]
    else:
        return JsonResponse({"results": []}, status=404)
    return JsonResponse({"results": [{"id": pk, "text": text} for pk, text in rows]})
