"""`fengqiao demo [--scale N] [--seed S] [--if-empty] [--logins] [--county [N]]`: load the reference station's demo data.

`--county N` loads instead a county of N stations (default 20) for scale tests (demo/county.py):
at scale 1 1.6 M residents, 540 k vehicles and 540 k incidents; `--scale` divides the counts.

犍为县公安局 with 玉津派出所 (69.8 km², 14 社区 + 4 行政村, 153,028 residents at scale 1, 31 民警 and
41 辅警 with units and roles) and the smaller 清溪派出所, deterministic from the seed. Everything is
written in one transaction. Bulk rows (addresses, houses, persons, organisations) bypass the
change-log signals: instead ONE summary change-log row per community records what was created
there; the few stations, units, users, communities and liaison points are logged one by one.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from fengqiao.demo import generator


def print_logins(write) -> None:
    rows = generator.logins()
    if not rows:
        write("演示数据尚未加载:先运行 fengqiao demo")
        return
    write(f"演示账号(密码均为: {generator.demo_password()})")
    width = max(len(label) for label, _, _ in rows)
    for label, name, username in rows:
        write(f"  {label.ljust(width, ' ')}  {name:<5}  用户名 {username}")


class Command(BaseCommand):
    help = (
        "加载参考派出所(犍为县公安局玉津派出所)的演示数据。--scale N 把人口、房屋、单位数量除以 N;"
        "--seed 决定数据(同一种子数据相同);--if-empty 已有数据时什么也不做;--logins 只打印演示账号。"
        "批量写入的地址、房屋、人口、单位不逐条写变更记录,每个社区写一条汇总变更记录。"
        f"演示密码取自环境变量 DEMO_PASSWORD,默认 {generator.data.DEMO_PASSWORD}。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help="缩小倍数:1 为全量(153,028 人),100 约为 1,530 人"
        )
        parser.add_argument("--seed", type=int, default=20240420, help="随机种子(默认 20240420)")
        parser.add_argument("--if-empty", action="store_true", help="派出所已存在时不做任何事")
        parser.add_argument("--logins", action="store_true", help="只打印演示账号")
        parser.add_argument(
            "--county",
            type=int,
            nargs="?",
            const=20,
            default=None,
            metavar="N",
            help="改为加载一个有 N 个派出所的县(默认 20 个;scale=1 时共 160 万人、54 万辆车、54 万起警情)",
        )

    def handle(self, *args, scale, seed, if_empty, logins, county=None, **options):
        write = self.stdout.write
        if logins:
            print_logins(write)
            return
        if scale < 1:
            raise CommandError("--scale 必须是不小于 1 的整数")
        if county is not None:
            self.load_county(county, scale=scale, seed=seed, if_empty=if_empty)
            return
        if generator.station_exists():
            if if_empty:
                write("演示数据已存在(玉津派出所),不再重复加载。")
                print_logins(write)
                return
            raise CommandError(
                "演示数据已存在(玉津派出所)。要保留现有数据请加 --if-empty;要重新生成请换一个空数据库。"
            )
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(generator.demo_password())
        except ValidationError as exc:
            raise CommandError("DEMO_PASSWORD 不符合密码规则:" + ";".join(exc.messages)) from exc
        write(f"正在生成演示数据(scale={scale}, seed={seed})……")
        started = time.perf_counter()
        counts = generator.load(scale=scale, seed=seed, log=write)
        write(
            self.style.SUCCESS(
                f"完成:{counts.stations} 个派出所, {counts.communities} 个社区/村, {counts.persons:,} 人, "
                f"{counts.houses:,} 套房屋, {counts.addresses:,} 个地址, {counts.organisations:,} 个单位, "
                f"{counts.users} 个账号,用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
        print_logins(write)

    def load_county(self, stations: int, *, scale: int, seed: int, if_empty: bool) -> None:
        from fengqiao.demo import county

        write = self.stdout.write
        if stations < 1:
            raise CommandError("--county 必须是不小于 1 的整数")
        if county.county_exists():
            if if_empty:
                write("县级演示数据已存在,不再重复加载。")
                return
            raise CommandError("县级演示数据已存在。要重新生成请换一个空数据库。")
        write(f"正在生成县级演示数据({stations} 个派出所, scale={scale}, seed={seed})……")
        started = time.perf_counter()
        counts = county.load(stations=stations, scale=scale, seed=seed, log=write)
        write(
            self.style.SUCCESS(
                f"完成:{counts.stations} 个派出所, {counts.communities} 个社区/村, {counts.persons:,} 人, "
                f"{counts.houses:,} 套房屋, {counts.vehicles:,} 辆车, {counts.incidents:,} 起警情, "
                f"{counts.disputes:,} 件纠纷, {counts.cases:,} 起案件, {counts.estates} 个小区, "
                f"{counts.users} 个账号,用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
