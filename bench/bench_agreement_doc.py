"""agreement_doc: generating the 调解协议书 (Word and PDF) of an agreement; the slower of the two < 2 s.

Takes agreements of the full demo (a recent one with several terms when there is one) and times
`documents.agreement_docx` and `documents.agreement_pdf` (the first PDF includes registering the
built-in CID font).
"""

from __future__ import annotations

import time

from bench_dispute_board import ensure_dispute_demo
from common import median, report, setup

NAME = "agreement_doc"
TARGET_MS = 2000.0
ROUNDS = 10


def main() -> None:
    setup()
    from fengqiao.disputes import documents
    from fengqiao.disputes.models import Agreement

    station = ensure_dispute_demo()
    agreements = list(
        Agreement.objects.filter(dispute__station=station)
        .select_related("dispute", "channel", "mediator")
        .order_by("-reached_on")[:ROUNDS]
    )
    samples = {"docx": [], "pdf": []}
    for agreement in agreements:
        for fmt, build in (("docx", documents.agreement_docx), ("pdf", documents.agreement_pdf)):
            started = time.perf_counter()
            body = build(agreement)
            samples[fmt].append((time.perf_counter() - started) * 1000)
            assert body[:4] in (b"PK\x03\x04", b"%PDF")
    for fmt, values in samples.items():
        print(
            f"  {fmt}: {len(values)} documents, median {median(values):.1f} ms, slowest {max(values):.1f} ms"
        )
    report(NAME, max(max(v) for v in samples.values()), "ms", TARGET_MS)


if __name__ == "__main__":
    main()
