"""The ten parts of Fengqiao in the navigation. A part not built yet points at its 建设中 page."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Part:
    number: int
    key: str
    title: str
    url_name: str | None  # None: not built yet
    summary: str


PARTS = [
    Part(1, "registry", _("一标三实"), "registry:person_list", _("标准地址、实有房屋、实有人口、实有单位")),
    Part(2, "incidents", _("警情"), "incidents:incident_list", _("接处警、派警、处置、回访")),
    Part(3, "disputes", _("矛盾纠纷"), "disputes:dispute_list", _("排查、三色预警、调解、协议履行")),
    Part(4, "cases", _("案件与案管"), "cases:case_list", _("办案时限、案管监督、周汇总与通报")),
    Part(5, "antifraud", _("反诈"), "antifraud:warning_list", _("预警指令、劝阻、案损同比、宣传")),
    Part(6, "vehicles", _("行车卫士"), "vehicles:vehicle_list", _("车辆、定位器、轨迹、告警、被盗追回")),
    Part(7, "estates", _("平安智慧小区"), "estates:estate_list", _("小区门禁、通行记录、设备状态")),
    Part(8, "command", _("综合指挥室"), "command:wall", _("一张图、视频巡查、值班、告警")),
    Part(9, "reports", _("报表与考核"), "reports:dashboard", _("周报月报、考核排名")),
    Part(10, "services", _("户籍室与法规学习"), "desk:home", _("一门通办预约、每周法规学习")),
]


def part_url(part: Part) -> str:
    if part.url_name:
        try:
            return reverse(part.url_name)
        except NoReverseMatch:
            pass
    return reverse("part_pending", args=[part.key])


def navigation_for(user) -> list[dict]:
    return [{"part": p, "url": part_url(p), "built": bool(p.url_name)} for p in PARTS]


def part_by_key(key: str) -> Part | None:
    return next((p for p in PARTS if p.key == key), None)
