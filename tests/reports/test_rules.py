"""The evaluation's pure rules: points against targets, the tree, the veto, the ranking, periods."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.reports import rules
from fengqiao.reports.rules import Node


def leaf(**kw):
    base = {
        "code": "x",
        "name": "回访满意率",
        "weight": 10,
        "target": 96,
        "formula": "f",
        "unit": "%",
    }
    return Node(**{**base, **kw})


def test_a_rate_at_target_gets_the_full_weight():
    pts, met, reason = rules.leaf_points(leaf(), 97.2)
    assert (pts, met) == (10, True)
    assert "97.2%" in reason and "满分" in reason


def test_a_rate_below_target_gets_its_share():
    pts, met, reason = rules.leaf_points(leaf(), 48.0)
    assert pts == 5.0 and met is False
    assert "低于目标 96.0%" in reason and "5/10" in reason


def test_a_count_above_zero_loses_the_weight_without_a_penalty():
    pts, met, _ = rules.leaf_points(leaf(direction="lower", target=0, unit="起"), 1)
    assert (pts, met) == (0.0, False)


def test_a_penalty_takes_points_per_unit_above_target():
    pts, met, reason = rules.leaf_points(
        leaf(direction="lower", target=0, penalty=0.5, unit="%"), 4
    )
    assert pts == 8.0 and met is False and "每超1扣0.5分" in reason
    assert rules.leaf_points(leaf(direction="lower", target=0, penalty=5), 40)[0] == 0.0


def test_no_value_or_no_target_is_not_scored():
    assert rules.leaf_points(leaf(), None)[0] is None
    assert rules.leaf_points(leaf(target=None), 90)[0] is None


TREE = [
    Node("bottom", "底线", 40, direction="lower"),
    Node("m2x", "民转刑", 10, 0, "lower", veto=True, formula="later", parent="bottom", unit="起"),
    Node(
        "od", "办理超期", 10, 0, "lower", veto=True, formula="overdue", parent="bottom", unit="起"
    ),
    Node("basics", "基础", 60),
    Node("cb", "回访满意率", 30, 96, formula="cb", parent="basics", unit="%"),
    Node("ms", "调解成功率", 30, 99, formula="ms", parent="basics", unit="%"),
]


def test_a_station_meeting_every_target_scores_100():
    s = rules.score(TREE, {"later": 0, "overdue": 0, "cb": 97, "ms": 99.5})
    assert s.total == 100.0 and not s.vetoed
    assert [p.code for p in s.points] == ["bottom", "m2x", "od", "basics", "cb", "ms"]


def test_a_parent_scales_its_children_and_unscored_weights_leave_the_denominator():
    s = rules.score(TREE, {"later": 0, "overdue": 0, "cb": 48})  # 调解成功率 has no value
    basics = next(p for p in s.points if p.code == "basics")
    assert basics.points == 30.0  # 15 of the 30 scored weight → half of 60
    assert s.total == 70.0  # (40 + 30) / 100


def test_a_veto_indicator_missed_zeroes_the_score_with_the_reason():
    s = rules.score(TREE, {"later": 1, "overdue": 0, "cb": 97, "ms": 100})
    assert s.vetoed and s.total == 0.0 and s.raw == 80.0  # 底线 10 of 20 → 20 of 40
    assert s.veto_reasons == ["一票否决:民转刑 1起(目标 0起)"]


def test_ranking_puts_vetoed_after_others_and_shares_ties():
    def row(name, values):
        return {"name": name, "score": rules.score(TREE, values)}

    good = {"later": 0, "overdue": 0, "cb": 97, "ms": 100}
    rows = rules.rank(
        [
            row("丙", {**good, "overdue": 2}),
            row("甲", good),
            row("乙", good),
            row("丁", {**good, "cb": 48}),
            row("戊", {}),
        ]
    )
    assert [(r["name"], r["rank"]) for r in rows] == [
        ("乙", 1),
        ("甲", 1),
        ("丁", 3),
        ("丙", 4),
        ("戊", None),
    ]


def test_tree_validation_names_each_problem():
    bad = [
        Node("p", "分组", 10, formula="cb"),
        Node("c", "子项", 5, parent="p", formula="nope"),
        Node("lonely", "孤项", 5),
        Node("v", "否决组", 5, veto=True),
        Node("vc", "子", 5, parent="v", formula="cb"),
        Node("orphan", "孤儿", 5, parent="missing", formula="cb"),
    ]
    errors = rules.validate_tree(bad, {"cb"})
    assert any("不能再设计算公式" in e for e in errors)
    assert any("nope 不存在" in e for e in errors)
    assert any("须选择计算公式" in e for e in errors)
    assert any("一票否决只能设在具体指标上" in e for e in errors)
    assert any("missing 不存在" in e for e in errors)
    assert rules.validate_tree(TREE, {"later", "overdue", "cb", "ms"}) == []


@given(
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0.1, max_value=100),
    st.floats(min_value=0, max_value=50),
)
def test_points_stay_between_zero_and_the_weight(value, target, weight):
    for direction in ("higher", "lower"):
        pts, _met, _r = rules.leaf_points(
            leaf(weight=weight, target=target, direction=direction, penalty=1), value
        )
        assert 0 <= pts <= weight + 1e-9


def test_periods():
    assert rules.week_bounds(dt.date(2026, 12, 4)) == (dt.date(2026, 11, 30), dt.date(2026, 12, 6))
    assert rules.month_bounds(dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rules.previous_month(dt.date(2026, 1, 15)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert rules.same_period_last_year(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == (
        dt.date(2023, 2, 1),
        dt.date(2023, 2, 28),
    )
    assert rules.months_between(dt.date(2025, 11, 3), dt.date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


# ---------------------------------------------------------------- small samples and ties (issue 24)


def test_a_small_sample_is_shrunk_toward_the_mean_and_a_full_one_is_not():
    # 1 of 1 with everyone at 80%: padded to 10 records at the mean → 82%, below 95 of 100.
    assert rules.shrink(1, 1, 80.0) == 82.0
    assert rules.shrink(1, 1, 80.0) < rules.shrink(95, 100, 80.0) == 95.0
    assert rules.shrink(10, 10, 50.0) == 100.0  # a full sample is its own rate
    assert rules.shrink(0, 0, 80.0) is None
    assert rules.shrink(2, 2, None) == 100.0  # nobody to compare with: the raw rate


@given(
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=1, max_value=30),
    st.floats(min_value=0, max_value=100),
)
def test_shrinking_stays_between_the_rate_and_the_mean(num, den, mean):
    num = min(num, den)
    raw = 100.0 * num / den
    v = rules.shrink(num, den, mean)
    assert min(raw, mean) - 0.01 <= v <= max(raw, mean) + 0.01


def test_sample_note_gives_the_size_and_the_shrinking():
    assert rules.sample_note("满意率", 20, 20, 80.0, 100.0) == "满意率:样本 20 件"
    note = rules.sample_note("满意率", 1, 1, 80.0, 82.0)
    assert "样本 1 件" in note and "不足 10 件" in note and "80.0%" in note and "82.0%" in note


def test_a_group_that_ties_says_why_and_ties_share_a_rank():
    def row(name, values):
        return {"name": name, "score": rules.score(TREE, values)}

    good = {"later": 0, "overdue": 0, "cb": 97, "ms": 100}
    rows = rules.rank(
        [row(n, good) for n in "甲乙丙丁戊庚辛"]
        + [row("壬", {**good, "cb": 48}), row("癸", {**good, "overdue": 3})]
    )
    assert [r["rank"] for r in rows[:7]] == [1] * 7 and rows[7]["rank"] == 8
    note = rules.tie_note(rows, lambda r: r["score"].points)
    assert "9 个中有 7 个同为 100 分" in note and "不能把它们分开" in note
    assert "达到目标、得满分" in note


def test_a_group_that_separates_has_no_tie_note():
    def row(name, cb):
        return {
            "name": name,
            "score": rules.score(TREE, {"later": 0, "overdue": 0, "cb": cb, "ms": 100}),
        }

    rows = rules.rank([row("甲", 97), row("乙", 60), row("丙", 40)])
    assert rules.tie_note(rows, lambda r: r["score"].points) == ""
