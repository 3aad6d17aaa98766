from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fengqiao.accounts.services import station_create
from fengqiao.core.context import acting_as


class Command(BaseCommand):
    help = "新建派出所(及其县局),默认带社区警务队、案件办理队、综合指挥室、户籍室。Create a station for a fresh installation."

    def add_arguments(self, parser):
        parser.add_argument("--bureau-code", required=True, help="县局代码,如 511123")
        parser.add_argument("--bureau-name", default="", help="县局名称(县局尚不存在时必填),如 犍为县公安局")
        parser.add_argument("--name", required=True, help="派出所名称,如 玉津派出所")
        parser.add_argument("--code", required=True, help="派出所代码(唯一)")
        parser.add_argument("--area", type=float, default=None, help="辖区面积(平方公里)")
        parser.add_argument("--no-units", action="store_true", help="不建默认单位")

    def handle(self, *args, **opts):
        with acting_as(None, source="command"):
            try:
                station = station_create(
                    bureau_name=opts["bureau_name"],
                    bureau_code=opts["bureau_code"],
                    name=opts["name"],
                    code=opts["code"],
                    area_km2=opts["area"],
                    with_units=not opts["no_units"],
                )
            except ValidationError as exc:
                raise CommandError(";".join(exc.messages)) from exc
        units = ", ".join(station.units.values_list("name", flat=True)) or "无"
        self.stdout.write(f"已新建 {station.bureau.name} · {station.name}(代码 {station.code});单位:{units}")
        self.stdout.write(f"下一步:fengqiao createuser --station {station.code} --role station_leader ...")
