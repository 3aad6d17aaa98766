"""Two identical POSTs of a create form create one record (core.idempotency)."""

import importlib
import re
import uuid
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fengqiao.core.idempotency import FIELD, is_create_name
from fengqiao.core.models import FormSubmission
from fengqiao.disputes import services
from fengqiao.disputes.models import Dispute, MediationChannel
from fengqiao.registry.models import Person
from tests.registry.test_views import person_post

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"


def _create_url_names():
    """(namespace:name) of every URL of the site whose name is a create action."""
    found = set()

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or ns)
            elif isinstance(p, URLPattern) and is_create_name(p.name):
                found.add(f"{ns}:{p.name}" if ns else p.name)

    walk(get_resolver().url_patterns, None)
    return sorted(found)


CREATE_NAMES = _create_url_names()


def _templates():
    return {p: p.read_text(encoding="utf-8") for p in SRC.rglob("templates/**/*.html")}


def test_the_url_names_find_the_create_views():
    assert {"disputes:party_add", "disputes:session_create", "registry:person_create"} <= set(
        CREATE_NAMES
    )
    assert len(CREATE_NAMES) >= 20


@pytest.mark.parametrize("name", CREATE_NAMES)
def test_every_form_posting_to_a_create_view_carries_the_token(name):
    """A form posting to the create URL carries {% form_once %}; a create page posting to itself
    (no action) is the template its view renders, found by the view's module."""
    templates = _templates()
    posting = [
        (path, m.group(0))
        for path, text in templates.items()
        for m in re.finditer(r"<form[^>]*\{% url '" + re.escape(name) + r"'.*?</form>", text, re.S)
    ]
    if not posting:
        rendered = _templates_rendered_by(*_view_of(name))
        assert rendered, f"{name}: no template posts to it and its view renders none"
        posting = [
            (path, text)
            for path, text in templates.items()
            if any(str(path).endswith("templates/" + r) for r in rendered)
        ]
    assert posting, name
    for path, form in posting:
        assert "{% form_once %}" in form, f"{path}: the form posting to {name} has no token"


def _view_of(name):
    """(module source, view function name) of a URL name, read from the app's urls.py."""
    ns, _, short = name.partition(":")
    urls = importlib.import_module(f"fengqiao.{ns}.urls")
    text = Path(urls.__file__).read_text(encoding="utf-8")
    call = re.search(r"path\([^\n]*?(\w+)\.(\w+)[,)][^\n]*name=\"" + short + '"', text)
    module = importlib.import_module(
        f"fengqiao.{ns}.{call.group(1)}" if call.group(1) != "views" else f"fengqiao.{ns}.views"
    )
    return Path(module.__file__).read_text(encoding="utf-8"), call.group(2)


def _body(source, function):
    body = source[source.index(f"def {function}(") :]
    return body[: (re.search(r"\n(?:@|def )", body[1:]) or re.search("$", body)).start() + 1]


def _templates_rendered_by(source, function, depth=2):
    """Template names in the view's body, or in the module's own helpers it calls (`_edit(...)`)."""
    body = _body(source, function)
    found = set(re.findall(r'"([a-z_]+/[a-z_]+\.html)"', body))
    if not found and depth:
        for helper in set(re.findall(r"\b(_\w+)\(", body)):
            if f"def {helper}(" in source:
                found |= _templates_rendered_by(source, helper, depth - 1)
    return found


# ------------------------------------------------------------------ posting twice, for real


def _twice(client, url, data):
    data = {**data, FIELD: str(uuid.uuid4())}
    first = client.post(url, data)
    second = client.post(url, data)
    return first, second


@pytest.mark.django_db
def test_party_posted_twice_is_added_once(bob_client, bob, register):
    d = register(bob)
    first, second = _twice(
        bob_client, reverse("disputes:party_add", args=[d.pk]), {"party-0-name": "王五"}
    )
    assert d.parties.filter(name="王五").count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


@pytest.mark.django_db
def test_session_posted_twice_is_recorded_once(bob_client, bob, register):
    d = services.dispute_accept(
        actor=bob, dispute=register(bob), channel=MediationChannel.objects.get(code="studio")
    )
    _twice(
        bob_client,
        reverse("disputes:session_create", args=[d.pk]),
        {"held_at": "2026-11-28T10:00", "outcome": "continue", "mediators": [bob.pk]},
    )
    assert d.sessions.count() == 1


@pytest.mark.django_db
def test_dispute_posted_twice_is_registered_once(bob_client, neighbour_type, community_a):
    _twice(
        bob_client,
        reverse("disputes:dispute_create"),
        {
            "dispute_type": neighbour_type.pk,
            "community": community_a.pk,
            "narrative": "两家因排水沟争吵(重复提交)",
            "party-0-name": "张三",
            "party-0-role": "applicant",
        },
    )
    assert Dispute.objects.filter(narrative="两家因排水沟争吵(重复提交)").count() == 1


@pytest.mark.django_db
def test_person_posted_twice_is_registered_once(bob_client, community_a):
    first, second = _twice(bob_client, reverse("registry:person_create"), person_post(community_a))
    assert Person.objects.filter(name="赵新").count() == 1
    assert second["Location"] == first["Location"]


@pytest.mark.django_db
def test_a_refused_post_releases_its_token_so_the_corrected_form_goes_through(
    bob_client, community_a
):
    token = str(uuid.uuid4())
    url = reverse("registry:person_create")
    bad = bob_client.post(
        url, {**person_post(community_a, id_number="511123199206010000"), FIELD: token}
    )
    assert bad.status_code == 200 and not FormSubmission.objects.filter(token=token).exists()
    good = bob_client.post(url, {**person_post(community_a), FIELD: token})
    assert good.status_code == 302 and Person.objects.filter(name="赵新").count() == 1
