"""Fixed facts of the reference station (玉津派出所, 犍为县公安局) and the pools the generator draws from.

Station facts follow the article (seed/yujin-station-article.txt): 69.8 km², 14 社区 and 4 行政村,
153,028 residents, 31 民警 and 41 辅警, 两队一室, the old station as a forward post, 警务室 in the
south and north areas, 户籍室, 范贤成金牌调解工作室. Community names other than 西街社区 and the
estates 江湾壹号 / 百草苑 / 城市之眼 are invented but plausible for 玉津镇.
"""

from __future__ import annotations

AS_OF = (
    2026,
    1,
    1,
)  # ages, inflow dates and built years are computed against this day (not "today": determinism)
DEMO_PASSWORD = "Yujin-demo-2026"  # noqa: S105 - the published demo password (override with DEMO_PASSWORD)

BUREAU = {"name": "犍为县公安局", "code": "511123"}

# Centre of 玉津镇 (WGS-84).
CENTRE_LAT = 29.209
CENTRE_LON = 103.947

# Road kinds: "estate" (小区: 栋/单元/室), "street" (街路巷: 门牌), "group" (村民小组: 门牌).
# Each community: name, kind, population weight, old town, roads [(name, kind)], built years.
YUJIN_COMMUNITIES = [
    (
        "西街社区",
        "community",
        10,
        True,
        [
            ("西街", "street"),
            ("书院街", "street"),
            ("文庙街", "street"),
            ("百草苑", "estate"),
            ("玉津路", "street"),
        ],
        (1978, 1995),
    ),
    (
        "东街社区",
        "community",
        9,
        True,
        [("东街", "street"), ("新华街", "street"), ("金犍花园", "estate")],
        (1983, 2005),
    ),
    (
        "南街社区",
        "community",
        9,
        True,
        [("南街", "street"), ("南门路", "street"), ("滨河小区", "estate")],
        (1985, 2008),
    ),
    (
        "北街社区",
        "community",
        8,
        True,
        [("北街", "street"), ("北门路", "street"), ("紫云小区", "estate")],
        (1985, 2008),
    ),
    (
        "新民社区",
        "community",
        11,
        False,
        [("新民路", "street"), ("城市之眼", "estate"), ("新民花园", "estate")],
        (2008, 2022),
    ),
    (
        "文庙社区",
        "community",
        8,
        False,
        [("文庙路", "street"), ("学府小区", "estate"), ("书香苑", "estate")],
        (1998, 2015),
    ),
    (
        "岷江社区",
        "community",
        10,
        False,
        [("岷江大道", "street"), ("岷江花园", "estate"), ("滨江名都", "estate")],
        (2005, 2020),
    ),
    (
        "滨江社区",
        "community",
        10,
        False,
        [("滨江路", "street"), ("江湾壹号", "estate"), ("滨江花园", "estate")],
        (2010, 2021),
    ),
    (
        "玉屏社区",
        "community",
        7,
        False,
        [("玉屏路", "street"), ("玉屏山庄", "estate")],
        (2000, 2016),
    ),
    (
        "嘉禾社区",
        "community",
        7,
        False,
        [("嘉禾路", "street"), ("嘉禾苑", "estate"), ("金色家园", "estate")],
        (2003, 2018),
    ),
    ("凤凰社区", "community", 8, False, [("凤凰路", "street"), ("凤凰城", "estate")], (2006, 2020)),
    ("桂花社区", "community", 6, False, [("桂花路", "street"), ("桂花园", "estate")], (1996, 2012)),
    (
        "城南社区",
        "community",
        8,
        False,
        [("城南大道", "street"), ("南城壹号", "estate"), ("阳光水岸", "estate")],
        (2012, 2023),
    ),
    (
        "城北社区",
        "community",
        7,
        False,
        [("城北路", "street"), ("北城雅居", "estate")],
        (2008, 2020),
    ),
    (
        "长城村",
        "village",
        3,
        False,
        [
            ("一组", "group"),
            ("二组", "group"),
            ("三组", "group"),
            ("四组", "group"),
            ("五组", "group"),
            ("六组", "group"),
        ],
        (1985, 2020),
    ),
    (
        "共和村",
        "village",
        3,
        False,
        [
            ("一组", "group"),
            ("二组", "group"),
            ("三组", "group"),
            ("四组", "group"),
            ("五组", "group"),
        ],
        (1985, 2020),
    ),
    (
        "庙坝村",
        "village",
        2,
        False,
        [("一组", "group"), ("二组", "group"), ("三组", "group"), ("四组", "group")],
        (1985, 2020),
    ),
    (
        "何湾村",
        "village",
        2,
        False,
        [
            ("一组", "group"),
            ("二组", "group"),
            ("三组", "group"),
            ("四组", "group"),
            ("五组", "group"),
        ],
        (1985, 2020),
    ),
]

QINGXI_COMMUNITIES = [
    ("清溪社区", "community", 5, True, [("清溪街", "street"), ("古镇巷", "street")], (1980, 2000)),
    ("新街社区", "community", 4, False, [("新街", "street"), ("清溪花园", "estate")], (2005, 2018)),
    (
        "高山村",
        "village",
        2,
        False,
        [("一组", "group"), ("二组", "group"), ("三组", "group")],
        (1985, 2015),
    ),
    (
        "河坝村",
        "village",
        2,
        False,
        [("一组", "group"), ("二组", "group"), ("三组", "group")],
        (1985, 2015),
    ),
]

STATIONS = [
    {
        "code": "511123-YJ",
        "name": "玉津派出所",
        "town": "玉津镇",
        "area_km2": "69.80",
        "address": "四川省乐山市犍为县玉津镇新民路88号",
        "persons": 153_028,
        "communities": YUJIN_COMMUNITIES,
        "lat": CENTRE_LAT,
        "lon": CENTRE_LON,
        "inner_km": 2.0,  # half side of the urban square; villages fill the ring around it
        # The base map's river and main roads, in km east/north of the centre (core/basemap.py).
        "features": [
            ("river", "岷江", [(4.8, 5.0), (3.4, 2.6), (2.9, 0.4), (3.3, -2.2), (4.6, -5.0)]),
            ("road", "新民路", [(-4.2, 0.1), (-2.0, 0.0), (0.0, 0.0), (2.0, 0.0), (2.8, 0.1)]),
            ("road", "玉津大道", [(0.2, 4.2), (0.1, 2.0), (0.0, 0.0), (-0.1, -2.0), (-0.3, -4.2)]),
            ("road", "环城路", [(-2.0, 2.0), (2.0, 2.0), (2.0, -2.0), (-2.0, -2.0), (-2.0, 2.0)]),
            ("road", "乐宜高速", [(-4.2, -3.6), (-1.0, -2.9), (2.6, -3.4), (4.2, -4.2)]),
        ],
    },
    {
        "code": "511123-QX",
        "name": "清溪派出所",
        "town": "清溪镇",
        "area_km2": "38.50",
        "address": "四川省乐山市犍为县清溪镇清溪街12号",
        "persons": 8_000,
        "communities": QINGXI_COMMUNITIES,
        "lat": 29.302,
        "lon": 103.856,
        "inner_km": 1.2,
        "features": [
            ("river", "马边河", [(-3.2, 2.8), (-1.4, 1.6), (0.6, 1.9), (3.1, 0.9)]),
            ("road", "清溪街", [(-3.0, 0.0), (0.0, 0.0), (3.0, -0.1)]),
            ("road", "清孝路", [(0.1, 3.0), (0.0, 0.0), (-0.2, -3.0)]),
        ],
    },
]

# 玉津派出所 units: 两队一室, the old station as a forward post, 警务室, 户籍室, the mediation studio, 案管室.
UNITS = [
    ("社区警务队", "community_team"),
    ("案件办理队", "case_team"),
    ("综合指挥室", "command_room"),
    ("老所前哨", "police_office"),
    ("南片警务室", "police_office"),
    ("北片警务室", "police_office"),
    ("户籍室", "registration"),
    ("范贤成金牌调解工作室", "mediation"),
    ("案管室", "other"),
]

# 31 民警 of 玉津派出所: (name, role, unit, title, communities owned).
POLICE = [
    ("陈卫东", "station_leader", "综合指挥室", "所长", ()),
    ("李晓梅", "station_leader", "社区警务队", "教导员", ()),
    ("王建国", "station_leader", "案件办理队", "副所长", ()),
    ("周海波", "station_leader", "社区警务队", "副所长", ()),
    ("刘洋", "duty_officer", "综合指挥室", "", ()),
    ("赵磊", "duty_officer", "综合指挥室", "", ()),
    ("黄志强", "duty_officer", "综合指挥室", "", ()),
    ("杨帆", "duty_officer", "综合指挥室", "", ()),
    ("吴俊", "duty_officer", "综合指挥室", "", ()),
    ("张勇", "community_officer", "老所前哨", "社区警务队队长", ("西街社区",)),
    ("罗明", "community_officer", "社区警务队", "", ("东街社区", "北街社区")),
    ("何建华", "community_officer", "社区警务队", "", ("南街社区", "桂花社区")),
    ("邓文杰", "community_officer", "社区警务队", "", ("新民社区", "文庙社区")),
    ("谢红", "community_officer", "社区警务队", "", ("岷江社区", "滨江社区")),
    ("曾涛", "community_officer", "社区警务队", "", ("玉屏社区", "嘉禾社区")),
    ("彭兵", "community_officer", "南片警务室", "", ("城南社区", "凤凰社区")),
    ("钟林", "community_officer", "北片警务室", "", ("城北社区",)),
    ("唐伟", "community_officer", "南片警务室", "", ("长城村", "何湾村")),
    ("袁成", "community_officer", "北片警务室", "", ("共和村", "庙坝村")),
    ("郭鹏", "case_officer", "案件办理队", "案件办理队队长", ()),
    ("胡斌", "case_officer", "案件办理队", "", ()),
    ("孙浩", "case_officer", "案件办理队", "", ()),
    ("马骏", "case_officer", "案件办理队", "", ()),
    ("林峰", "case_officer", "案件办理队", "", ()),
    ("宋杰", "case_officer", "案件办理队", "", ()),
    ("高敏", "case_manager", "案管室", "", ()),
    ("郑丽", "case_manager", "案管室", "", ()),
    ("冯刚", "command", "综合指挥室", "综合指挥室主任", ()),
    ("蒋涛", "command", "综合指挥室", "", ()),
    ("田雨", "command", "综合指挥室", "", ()),
    ("徐家豪", "mediator", "社区警务队", "调解能手", ()),
]

# Units of the 41 辅警, in turn.
AUXILIARY_UNITS = (
    ["社区警务队"] * 14
    + ["综合指挥室"] * 8
    + ["案件办理队"] * 6
    + ["户籍室"] * 4
    + ["南片警务室"] * 3
    + ["北片警务室"] * 3
    + ["老所前哨"] * 3
)
AUXILIARY_COUNT = 41

# Not counted among the 72: the retired officer who runs the studio, the auditor, the administrator.
OTHER_STAFF = [
    ("范贤成", "mediator", "civilian", "范贤成金牌调解工作室", "退休民警,全国模范人民调解员"),
    ("沈洁", "auditor", "civilian", "", "审计员"),
    ("付晓东", "admin", "civilian", "", "系统管理员"),
]
BUREAU_USERS = [("李军", "bureau", "县局指挥中心")]
QINGXI_STAFF = [
    ("严志刚", "station_leader", "", ("清溪社区",)),
    ("韦春燕", "community_officer", "", ("清溪社区", "新街社区")),
    ("樊林", "auxiliary", "", ()),
]

# Who to print as demo logins: (label, name).
LOGINS = [
    ("所领导(所长)", "陈卫东"),
    ("社区民警(西街社区)", "张勇"),
    ("值班民警", "刘洋"),
    ("办案民警", "郭鹏"),
    ("案管民警", "高敏"),
    ("指挥室", "冯刚"),
    ("调解员", "范贤成"),
    ("调解员(民警)", "徐家豪"),
    ("辅警", None),  # the first auxiliary officer
    ("审计员", "沈洁"),
    ("系统管理员", "付晓东"),
    ("县局", "李军"),
    ("清溪派出所所领导", "严志刚"),
]

# Surnames common in Sichuan (with a few local ones: 苟, 敬, 母, 税), weights roughly by frequency.
SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文苟敬母税岳"
MALE_OLD = "国建华明德军平志强文成福荣树林海庆学永祥光忠兴富贵金山"
MALE_YOUNG = "浩宇轩俊杰涛鹏磊超阳晨博睿子航鑫宏伟斌亮峰帅毅然皓天"
FEMALE_OLD = "秀英兰芳玉珍桂凤淑华琼素霞敏琴红梅菊云丽萍春燕"
FEMALE_YOUNG = "欣怡涵雨婷佳琪梓萱诗雪晴悦妍思瑶晓静雯倩露颖"

ETHNICITIES = [("汉族", 985), ("彝族", 10), ("回族", 3), ("藏族", 2)]

# ID regions: 犍为县 and the rest of 乐山 for residents; elsewhere for the floating population.
LOCAL_REGIONS = [
    ("511123", "四川省乐山市犍为县", 85),
    ("511102", "四川省乐山市市中区", 4),
    ("511112", "四川省乐山市五通桥区", 3),
    ("511124", "四川省乐山市井研县", 3),
    ("511129", "四川省乐山市沐川县", 3),
    ("511181", "四川省乐山市峨眉山市", 2),
]
OTHER_REGIONS = [
    ("511124", "四川省乐山市井研县", 8),
    ("511133", "四川省乐山市马边彝族自治县", 5),
    ("511132", "四川省乐山市峨边彝族自治县", 4),
    ("510107", "四川省成都市武侯区", 6),
    ("510302", "四川省自贡市自流井区", 6),
    ("511502", "四川省宜宾市翠屏区", 8),
    ("511528", "四川省宜宾市兴文县", 4),
    ("511402", "四川省眉山市东坡区", 5),
    ("513401", "四川省凉山彝族自治州西昌市", 4),
    ("511602", "四川省广安市广安区", 3),
    ("500101", "重庆市万州区", 6),
    ("500222", "重庆市綦江区", 3),
    ("530102", "云南省昆明市五华区", 4),
    ("530602", "云南省昭通市昭阳区", 5),
    ("520102", "贵州省贵阳市南明区", 4),
    ("522401", "贵州省毕节市七星关区", 5),
    ("430102", "湖南省长沙市芙蓉区", 2),
    ("420106", "湖北省武汉市武昌区", 2),
    ("411302", "河南省南阳市宛城区", 3),
    ("440106", "广东省广州市天河区", 2),
    ("620102", "甘肃省兰州市城关区", 1),
]
HOME_TOWNS = "城关镇 新场镇 石桥镇 龙泉镇 白果镇 太平镇 金山镇 青龙乡 永安镇 双河镇".split()
HOME_VILLAGES = "红星村 民主村 团结村 光明村 新桥村 石板村 桂花村 大坪村 高峰村 和平村".split()

FOREIGN = [
    ("越南", ["阮氏芳", "陈文雄", "黎氏秋", "范文达", "阮文强", "武氏兰"], "C"),
    ("缅甸", ["昂山吞", "丹丹温", "苗敏", "吴貌貌"], "MA"),
    ("老挝", ["宋萨", "坎蓬", "本米"], "P"),
    ("韩国", ["金敏俊", "朴智妍", "李承浩"], "M"),
    ("日本", ["佐藤健", "铃木美咲"], "TK"),
    ("美国", ["约翰·史密斯", "艾米丽·布朗"], "5"),
    ("巴基斯坦", ["阿里·汗", "法蒂玛"], "AB"),
]

MOBILE_PREFIXES = "134 135 136 137 138 139 150 151 152 157 158 159 182 183 187 188 130 131 132 155 156 185 186 166 133 153 180 181 189 177 199".split()

# Shops and firms in 经营 houses and other premises.
SHOP_KINDS = "面馆 超市 茶馆 理发店 五金店 药房 火锅店 烧烤店 水果店 服装店 手机店 干洗店 棋牌室 早餐店 豆花饭店 粮油店 建材店 花店 眼镜店 快递站".split()
FIRM_WORDS = "金犍 玉津 岷江 嘉州 华盛 鑫源 恒达 宏远 蜀南 兴旺 瑞丰 利民 安和 顺达 佳禾 锦程 长城 凤凰 滨江 新民".split()
FIRM_TRADES = "商贸 建筑工程 物流 农业科技 食品 茶业 陶瓷 机械 电子 酒业 家具 旅游开发 物业管理 劳务 汽车服务 广告 装饰工程 环保科技".split()

# Named premises of 玉津镇: (name, category, community, credit-code kind).
LANDMARKS = [
    ("犍为县玉津镇人民政府", "government", "新民社区", "gov"),
    ("犍为县人民医院", "medical", "文庙社区", "inst"),
    ("犍为县中医医院", "medical", "东街社区", "inst"),
    ("玉津镇卫生院", "medical", "南街社区", "inst"),
    ("犍为第一中学", "school", "文庙社区", "inst"),
    ("玉津镇第一小学", "school", "西街社区", "inst"),
    ("玉津镇第二小学", "school", "滨江社区", "inst"),
    ("玉津镇中心幼儿园", "school", "岷江社区", "inst"),
    ("中国农业银行犍为县支行", "financial", "新民社区", "firm"),
    ("中国工商银行犍为支行", "financial", "东街社区", "firm"),
    ("乐山农商银行玉津支行", "financial", "西街社区", "firm"),
    ("中国邮政储蓄银行犍为县支行", "financial", "北街社区", "firm"),
    ("城市之眼购物中心", "enterprise", "新民社区", "firm"),
    ("犍为长城景区管理处", "government", "长城村", "inst"),
    ("岷江大酒店", "hotel", "岷江社区", "firm"),
    ("玉津宾馆", "hotel", "西街社区", "firm"),
    ("江湾壹号物业服务中心", "enterprise", "滨江社区", "firm"),
    ("百草苑业主委员会", "social", "西街社区", "social"),
    ("犍为县个体劳动者协会", "social", "东街社区", "social"),
    ("文庙", "religious", "西街社区", "social"),
]
