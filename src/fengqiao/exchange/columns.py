"""The columns of the import spreadsheets: Chinese header, accepted aliases, required or not, help text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fengqiao.exchange.choices import ImportKind


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    example: str = ""
    max_length: int | None = None


_ADDRESS = (
    Column(
        "community",
        "社区",
        ("社区/村", "社区村", "村"),
        True,
        "本所已有的社区或行政村名称",
        "西街社区",
    ),
    Column(
        "road",
        "街路巷/小区",
        ("街路巷", "小区", "组/街路巷/小区", "街路巷小区"),
        False,
        "组、街路巷或小区名",
        "西街",
        60,
    ),
    Column("doorplate", "门牌号", ("门牌",), False, "如 12 或 12号", "12", 20),
    Column("building", "楼栋", ("栋", "幢"), False, "如 3 或 3栋", "", 20),
    Column("unit", "单元", (), False, "如 1 或 1单元", "", 20),
    Column("floor", "层", ("楼层",), False, "如 2", "", 10),
    Column("room", "户室", ("室", "房号"), False, "如 201", "", 20),
)

PERSON_COLUMNS = (
    Column("name", "姓名", (), True, "", "张三", 50),
    Column(
        "id_number",
        "身份证号",
        ("公民身份号码", "证件号码", "身份证号码"),
        True,
        "18位,末位可为X;请用文本格式",
        "511123198001010014",
        30,
    ),
    Column(
        "id_type",
        "证件类型",
        (),
        False,
        "居民身份证(默认)/护照/港澳台通行证/外国人永久居留身份证",
        "",
    ),
    Column("sex", "性别", (), False, "男/女;空着按身份证号填", "男"),
    Column("birth_date", "出生日期", (), False, "如 1980-01-01;空着按身份证号填", "1980-01-01"),
    Column(
        "phone",
        "手机号",
        ("联系电话", "电话", "手机"),
        False,
        "11位手机号或固话如 0833-4201234",
        "13800000001",
        20,
    ),
    Column("category", "人口类别", ("类别",), False, "户籍/流动/境外,默认户籍", "户籍"),
    *_ADDRESS,
    Column(
        "registered_address", "户籍地址", (), False, "", "四川省乐山市犍为县玉津镇西街12号", 200
    ),
    Column(
        "relation",
        "与户主关系",
        (),
        False,
        "户主/配偶/子女/父母/孙子女/兄弟姐妹/其他亲属/租户/其他",
        "户主",
    ),
    Column("inflow_date", "流入日期", (), False, "流动人口必填", ""),
    Column(
        "inflow_reason", "流入原因", (), False, "流动人口必填:务工/经商/就学/投亲靠友/就医/其他", ""
    ),
    Column("expected_departure", "预计离开日期", ("预计离开时间",), False, "应晚于流入日期", ""),
    Column("ethnicity", "民族", (), False, "默认汉族", "汉族", 20),
    Column("nationality", "国籍", (), False, "默认中国;境外人员必填", "", 40),
    Column("note", "备注", (), False, "", ""),
)

HOUSE_COLUMNS = (
    *(
        Column(
            c.key,
            c.title,
            c.aliases,
            c.key in ("community", "road"),
            c.help,
            c.example,
            c.max_length,
        )
        for c in _ADDRESS
    ),
    Column("use", "用途", ("房屋用途",), False, "自住/出租/空置/群租/经营,默认自住", "自住"),
    Column("owner_name", "房主姓名", ("房主",), False, "", "张三", 50),
    Column("owner_phone", "房主电话", (), False, "", "13800000001", 20),
    Column(
        "area_m2", "面积", ("面积(㎡)", "面积(平方米)", "建筑面积"), False, "平方米,如 89.5", "89.5"
    ),
    Column("rooms", "间数", (), False, "整数", "3"),
    Column("built_year", "建成年份", ("建成年代",), False, "如 1995", "1995"),
    Column("note", "备注", (), False, "", ""),
)

COLUMNS = {ImportKind.PERSONS: PERSON_COLUMNS, ImportKind.HOUSES: HOUSE_COLUMNS}
# A sheet with one of these names is taken before the first sheet.
SHEET_NAMES = {
    ImportKind.PERSONS: ("人员", "人口", "实有人口"),
    ImportKind.HOUSES: ("房屋", "实有房屋"),
}

_HEADER_NOISE = re.compile(r"[\s*＊:：]|[（(](必填|选填|可选)[)）]")


def normalise_header(text) -> str:
    text = "" if text is None else str(text)
    text = _HEADER_NOISE.sub("", text)
    return text.replace("（", "(").replace("）", ")").strip()


def header_lookup(kind: str) -> dict[str, Column]:
    lookup = {}
    for column in COLUMNS[kind]:
        for name in (column.title, *column.aliases):
            lookup[normalise_header(name)] = column
    return lookup


def title_of(kind: str, key: str) -> str:
    for column in COLUMNS[kind]:
        if column.key == key:
            return column.title
    return key
