"""The field side's pure rules: what a file is by its bytes, the arrival radius, navigation links."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fengqiao.field import rules
from fengqiao.field.choices import EvidenceKind
from tests.field.conftest import ELF, FAR, HTML, NEAR, PDF, SCENE, jpeg

LIMITS = {"photo": 1000, "audio": 1000, "video": 1000, "document": 1000}


def test_kind_is_judged_by_content():
    assert rules.sniff(jpeg()).kind == EvidenceKind.PHOTO
    assert rules.sniff(PDF).kind == EvidenceKind.DOCUMENT
    assert rules.sniff(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8).kind == EvidenceKind.VIDEO
    assert rules.sniff(b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 8).kind == EvidenceKind.AUDIO
    assert rules.sniff(b"#!AMR\n").kind == EvidenceKind.AUDIO
    assert rules.sniff(b"\x1a\x45\xdf\xa3\x01").kind == EvidenceKind.VIDEO
    for bad in (HTML, ELF, b"MZ\x90\x00", b"PK\x03\x04zip", b"plain text"):
        assert rules.sniff(bad) is None


def test_problems_are_clear():
    assert "空" in rules.evidence_problem(b"", 0, declared_kind=None, limits=LIMITS)
    assert "不支持" in rules.evidence_problem(HTML, len(HTML), declared_kind=None, limits=LIMITS)
    # A PDF sent as a photo: the content does not match the chosen kind.
    assert "不符" in rules.evidence_problem(PDF, len(PDF), declared_kind="photo", limits=LIMITS)
    # A photographed document is a document scan: allowed.
    assert rules.evidence_problem(jpeg()[:64], 500, declared_kind="document", limits=LIMITS) is None
    assert "太大" in rules.evidence_problem(PDF, 5000, declared_kind=None, limits=LIMITS)


@given(st.binary(max_size=64))
def test_sniff_never_raises(head):
    found = rules.sniff(head)
    assert found is None or found.kind in EvidenceKind.values


def test_distance_and_arrival_proposal():
    near = rules.distance_m(*NEAR, *SCENE)
    far = rules.distance_m(*FAR, *SCENE)
    assert 40 < near < 80 and 900 < far < 1100
    assert rules.propose_arrival(near, 100, accuracy_m=10)
    assert not rules.propose_arrival(far, 100, accuracy_m=10)
    # A fix too coarse to tell is not a proposal.
    assert not rules.propose_arrival(near, 100, accuracy_m=500)
    assert not rules.propose_arrival(None, 100, None)


def test_positions_and_retention():
    assert rules.valid_position(29.2, 103.9)
    for lat, lon in [(91, 0), (0, 181), ("x", 1), (None, 1), (0, 0)]:
        assert not rules.valid_position(lat, lon)
    assert rules.keep_until("video", dt.date(2026, 1, 1), {"video": 30}) == dt.date(2026, 1, 31)


def test_navigation_url_quotes_the_label():
    url = rules.navigation_url("geo:{lat},{lon}?q={lat},{lon}({label})", 29.2, 103.9, "西街 12号")
    assert url.startswith("geo:29.200000,103.900000?q=") and " " not in url
