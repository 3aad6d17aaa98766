"""The shipped evaluation scheme (a starting point the county bureau edits): 底线 (民转刑 and the three
red lines, each a one-vote veto), 基础工作 (callbacks, fulfilment), 工作成效 (mediation, fraud)."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from fengqiao.reports.services import DEFAULT_SCHEME

    Scheme = apps.get_model("reports", "Scheme")
    Indicator = apps.get_model("reports", "Indicator")
    if Scheme.objects.exists():
        return
    scheme = Scheme.objects.create(
        name="派出所综合考核(默认)",
        effective_from=dt.date(2023, 1, 1),
        basis="“五零”底线、基础工作、工作成效;权重可由县局修订",
        note="系统预置",
    )
    made = {}
    for code, name, parent, formula, weight, target, direction, penalty, veto, sort in DEFAULT_SCHEME:
        made[code] = Indicator.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            parent=made.get(parent) if parent else None,
            formula=formula,
            weight=weight,
            target=target,
            direction=direction,
            penalty=penalty,
            veto=veto,
            sort=sort,
        )
    Category = apps.get_model("reports", "StationCategory")
    for sort, (name, note) in enumerate(
        [("一类所", "城区、警情多的派出所"), ("二类所", "城郊派出所"), ("三类所", "乡镇派出所")], start=1
    ):
        Category.objects.get_or_create(name=name, defaults={"note": note, "sort": sort})


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
