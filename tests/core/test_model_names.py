"""The change history names every kind of record in Chinese (issue 24: no "question", "quiz attempt"
or "incidents.incident" on a screen): every model whose changes are logged has a verbose name."""

from django.apps import apps

from fengqiao.core.audit import ChangeLogged


def test_every_logged_model_has_a_chinese_name():
    raw = [
        m._meta.label
        for m in apps.get_models()
        if issubclass(m, ChangeLogged) and str(m._meta.verbose_name).isascii()
    ]
    assert not raw, f"give these a verbose_name: {raw}"
