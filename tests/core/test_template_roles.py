"""Templates check roles through one filter, `has_role`, that reads accounts/roles.py: never by
substring (`user.role in "station_leader admin"`) or by `==`, where a typo or a new role whose name
contains an old one silently changes who sees a link."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template, TemplateSyntaxError

from fengqiao.accounts import roles
from fengqiao.accounts.choices import Role
from fengqiao.core.templatetags.fengqiao import role_set

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"


def _user(role=Role.AUXILIARY, *, superuser=False):
    return SimpleNamespace(is_authenticated=True, is_superuser=superuser, role=role)


def _render(check: str, user) -> str:
    template = Template(
        "{% load fengqiao %}{% if user|has_role:" + check + " %}yes{% else %}no{% endif %}"
    )
    return template.render(Context({"user": user}))


def test_a_named_role_is_held_by_a_user_with_that_role():
    assert _render('"command,duty_officer"', _user(Role.COMMAND)) == "yes"


def test_a_user_without_any_named_role_does_not_hold_it():
    assert _render('"command,duty_officer"', _user(Role.COMMAND + "_x")) == "no"
    assert _render('"command,duty_officer"', _user(Role.CASE_OFFICER)) == "no"


def test_no_substring_of_a_role_name_passes():
    # `"officer" in "duty_officer community_officer"` was true; a role is a whole name.
    assert _render('"duty_officer,community_officer"', _user("officer")) == "no"


def test_a_group_of_roles_py_is_read_from_roles_py():
    for role in Role:
        expected = "yes" if role in roles.AUDIT_ROLES else "no"
        assert _render('"AUDIT_ROLES"', _user(role)) == expected


def test_groups_and_names_combine():
    assert role_set(
        "LEADER_ROLES,BUREAU_ROLES,command"
    ) == roles.LEADER_ROLES | roles.BUREAU_ROLES | {Role.COMMAND}


def test_a_superuser_holds_every_role_as_roles_py_says():
    superuser = _user(Role.AUXILIARY, superuser=True)
    assert roles.has_role(superuser, {Role.BUREAU})
    assert _render('"bureau"', superuser) == "yes"
    assert _render('"AUDIT_ROLES"', superuser) == "yes"


def test_an_anonymous_user_holds_no_role():
    assert _render('"station_leader,admin,auxiliary"', AnonymousUser()) == "no"


@pytest.mark.parametrize(
    "bad", ['"station_leder"', '"admin,comand"', '"AUDIT"', '"NO_SUCH_ROLES"', '""']
)
def test_an_unknown_role_name_fails_at_render(bad):
    with pytest.raises(TemplateSyntaxError, match="unknown role"):
        _render(bad, _user(Role.ADMIN))


# --- the scan ------------------------------------------------------------------------------------

TAG = re.compile(r"\{%-?\s*(?:if|elif)\b(.*?)-?%\}", re.S)
ROLE_VALUES = "|".join(sorted(map(re.escape, Role.values), key=len, reverse=True))
# A user's role compared or searched in any way (display uses get_role_display, checks use has_role).
USER_ROLE = re.compile(r"\buser\.role\b")
# A role name as a string literal beside a comparison or a membership test.
LITERAL_COMPARED = re.compile(
    rf"""(?:==|!=|\bin)\s*(["'])[^"']*\b(?:{ROLE_VALUES})\b[^"']*\1"""
    rf"""|(["'])[^"']*\b(?:{ROLE_VALUES})\b[^"']*\2\s*(?:==|!=|\bin\b|\bnot\s+in\b)"""
)
# ...on something called a role (`role`, `my_role`, `u.role`; not `rank == "auxiliary"`).
ROLE_WORD = re.compile(r"(?:\b|_)role\b")
HAS_ROLE = re.compile(r"\|\s*has_role\s*:\s*(\S+)")


def _templates():
    files = sorted(p for p in SRC.rglob("templates/**/*") if p.suffix in {".html", ".txt", ".xml"})
    assert len(files) > 100, "the scan found too few templates: has the layout changed?"
    return files


def test_no_template_checks_a_role_by_substring_or_equality():
    offences = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in TAG.finditer(text):
            expression = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            if USER_ROLE.search(expression) or (
                ROLE_WORD.search(expression) and LITERAL_COMPARED.search(expression)
            ):
                offences.append(f"{path.relative_to(SRC)}:{line}: {{% if{expression}%}}")
    assert not offences, (
        "check roles with |has_role (core/templatetags/fengqiao.py):\n" + "\n".join(offences)
    )


def test_every_has_role_in_a_template_names_known_roles():
    """`{% if a|has_role:"typo" or b %}` would swallow the render error (Django's `or` catches
    exceptions), so the names are also checked here, without rendering."""
    uses = 0
    for path in _templates():
        for match in HAS_ROLE.finditer(path.read_text(encoding="utf-8")):
            argument = match.group(1)
            assert re.fullmatch(r'"[^"]+"', argument), (
                f"{path.relative_to(SRC)}: has_role takes a literal list of names, not {argument}"
            )
            role_set(argument.strip('"'))  # raises on an unknown name
            uses += 1
    assert uses >= 4
