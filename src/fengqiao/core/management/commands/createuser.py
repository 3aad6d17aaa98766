"""`fengqiao createuser --username U --full-name N --role R --station CODE [--unit NAME] [--password P]`.

Creates a user through accounts.services.user_create (password rules checked, Argon2 hash). Without
--password the command asks twice on the terminal. A 县局 (bureau) user gives --bureau CODE instead
of --station.
"""

from __future__ import annotations

import getpass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fengqiao.accounts.choices import Rank, Role


def _messages(exc: ValidationError) -> str:
    if not hasattr(exc, "message_dict"):
        return "密码不符合规则:" + ";".join(exc.messages)
    if hasattr(exc, "message_dict"):
        return ";".join(
            f"{field}: {'、'.join(msgs)}" if field != "__all__" else "、".join(msgs)
            for field, msgs in exc.message_dict.items()
        )
    return ";".join(exc.messages)


class Command(BaseCommand):
    help = "新建用户:--username --full-name --role --station 派出所代码 [--unit 单位名称] [--password 密码,缺省时提示输入]"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="登录用户名")
        parser.add_argument("--full-name", required=True, help="姓名")
        parser.add_argument(
            "--role",
            required=True,
            help="角色:" + ", ".join(f"{v}({label})" for v, label in Role.choices),
        )
        parser.add_argument("--station", help="派出所代码(县局用户用 --bureau)")
        parser.add_argument("--bureau", help="县局代码(仅县局角色)")
        parser.add_argument("--unit", help="单位名称(须属于该派出所)")
        parser.add_argument(
            "--rank",
            default=Rank.POLICE,
            help="身份:" + ", ".join(f"{v}({label})" for v, label in Rank.choices),
        )
        parser.add_argument("--police-number", default="", help="警号")
        parser.add_argument("--password", help="密码(不给出时在终端提示输入两次)")

    def handle(
        self,
        *args,
        username,
        full_name,
        role,
        station,
        bureau,
        unit,
        rank,
        police_number,
        password,
        **options,
    ):
        from fengqiao.accounts import services
        from fengqiao.accounts.models import Bureau, Station, Unit
        from fengqiao.core import context

        if role not in Role.values:
            raise CommandError(
                f"未知角色“{role}”。可用角色:"
                + ", ".join(f"{v}({label})" for v, label in Role.choices)
            )
        if rank not in Rank.values:
            raise CommandError(f"未知身份“{rank}”。可用:" + ", ".join(Rank.values))
        station_obj = bureau_obj = unit_obj = None
        if role == Role.BUREAU:
            if not bureau and not station:
                raise CommandError("县局角色需要 --bureau 县局代码")
            if bureau:
                bureau_obj = Bureau.objects.filter(code=bureau).first()
                if bureau_obj is None:
                    raise CommandError(f"找不到代码为“{bureau}”的县局")
        if station:
            station_obj = Station.objects.filter(code=station).first()
            if station_obj is None:
                codes = (
                    ", ".join(Station.objects.order_by("code").values_list("code", flat=True))
                    or "(尚无派出所)"
                )
                raise CommandError(f"找不到代码为“{station}”的派出所。已有:{codes}")
        elif role != Role.BUREAU:
            raise CommandError("请用 --station 指定派出所代码")
        if unit:
            if station_obj is None:
                raise CommandError("--unit 需要同时指定 --station")
            unit_obj = Unit.objects.filter(station=station_obj, name=unit).first()
            if unit_obj is None:
                names = (
                    "、".join(
                        Unit.objects.filter(station=station_obj).values_list("name", flat=True)
                    )
                    or "(无)"
                )
                raise CommandError(
                    f"派出所“{station_obj.name}”没有名为“{unit}”的单位。已有:{names}"
                )
        if password is None:
            password = getpass.getpass("密码: ")
            if getpass.getpass("再次输入密码: ") != password:
                raise CommandError("两次输入的密码不一致")
        extra = {"rank": rank, "police_number": police_number}
        if bureau_obj is not None:
            extra["bureau"] = bureau_obj
        try:
            with (
                context.acting_as(None, source="command"),
                translation.override(settings.LANGUAGE_CODE),
            ):
                user = services.user_create(
                    actor=None,
                    username=username,
                    password=password,
                    full_name=full_name,
                    role=role,
                    station=station_obj,
                    unit=unit_obj,
                    **extra,
                )
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        where = station_obj.name if station_obj else (bureau_obj.name if bureau_obj else "")
        self.stdout.write(
            self.style.SUCCESS(
                f"已创建用户 {user.username}({user.full_name},{user.get_role_display()},{where})"
            )
        )
