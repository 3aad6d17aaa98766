from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.disputes.rules import RANK, DisputeFacts, Trigger, matches, suggest_level

KW_RED = Trigger(kind="keyword", value="同归于尽", level="red", reason="当事人扬言'同归于尽'")
FAILED = Trigger(
    kind="failed_mediations", threshold=Decimal(2), level="orange", reason="调解失败{fact}次"
)

facts_st = st.builds(
    DisputeFacts,
    text=st.text(alphabet="同归于尽拼命刀砍上访集体家邻ab ", max_size=20),
    parties=st.integers(0, 10),
    failed_mediations=st.integers(0, 5),
    amount=st.one_of(st.none(), st.decimals(0, 1_000_000, places=2)),
    high_risk_party=st.booleans(),
    repeat_calls=st.integers(0, 6),
)
trigger_st = st.one_of(
    st.builds(
        Trigger,
        kind=st.just("keyword"),
        value=st.sampled_from(["同归于尽", "拼命", "刀", "上访"]),
        level=st.sampled_from(["yellow", "orange", "red"]),
        reason=st.just("关键词"),
    ),
    st.builds(
        Trigger,
        kind=st.sampled_from(["parties", "failed_mediations", "repeat_calls", "amount"]),
        threshold=st.decimals(0, 200_000, places=0),
        level=st.sampled_from(["yellow", "orange", "red"]),
        reason=st.just("阈值"),
    ),
    st.builds(
        Trigger,
        kind=st.just("high_risk_party"),
        level=st.sampled_from(["orange", "red"]),
        reason=st.just("高风险"),
    ),
)


def test_no_triggers_suggests_yellow_without_reasons():
    assert suggest_level(DisputeFacts(text="拼命"), []) == ("yellow", [])


def test_keyword_in_narrative_suggests_red_with_its_reason():
    assert suggest_level(DisputeFacts(text="他扬言要同归于尽"), [KW_RED, FAILED]) == (
        "red",
        ["当事人扬言'同归于尽'"],
    )


def test_count_trigger_reason_shows_the_fact():
    assert suggest_level(DisputeFacts(failed_mediations=3), [FAILED]) == ("orange", ["调解失败3次"])


def test_count_trigger_below_threshold_does_not_match():
    assert suggest_level(DisputeFacts(failed_mediations=1), [FAILED]) == ("yellow", [])


def test_amount_without_amount_does_not_match():
    assert not matches(
        DisputeFacts(amount=None),
        Trigger(kind="amount", threshold=Decimal(1), level="orange", reason="x"),
    )


@given(facts_st, st.lists(trigger_st, max_size=8))
def test_suggestion_is_never_lower_than_any_matching_trigger(facts, triggers):
    level, reasons = suggest_level(facts, triggers)
    hits = [t for t in triggers if matches(facts, t)]
    for t in hits:
        assert RANK[level] >= RANK[t.level]
    if hits:
        assert RANK[level] == max(RANK[t.level] for t in hits)
        assert reasons
    else:
        assert (level, reasons) == ("yellow", [])
