"""gateway_peak_sqlite: peak ingestion into SQLite — of 20,000 positions a second offered by 4,000 devices
sending ONE frame per write at their cadence (connects and logins inside the window, flood limits as
shipped), how many a second are acknowledged within 1 s and stored; target ≥ 20,000/s on this 2-core
machine. See bench_gateway_peak_postgres.run_peak (settings GATEWAY_BENCH_*). The figure
gateway_peak_sqlite_packed is the former load, described below, kept as a separate label:

Starts `fengqiao gateway serve` (two processes sharing the port with SO_REUSEPORT, one per core;
GATEWAY_BENCH_PROCESSES) on its own SQLite database (GATEWAY_BENCH_SQLITE_URL, default
var/bench-gateway.db), then 400 simulated GT06 devices each send 1,000 positions in windows of 50 packed
frames, waiting for the acknowledgements of a window before the next. Afterwards the stored rows are
counted: every acknowledged position must be in the table. Flood limits are raised for the run (a peak
from few connections is not a flood).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

NAME = "gateway_peak_sqlite"
NAMES = ["gateway_peak_sqlite", "gateway_peak_sqlite_packed"]


def main() -> None:
    from bench_gateway_peak_postgres import run_peak

    url = os.environ.get(
        "GATEWAY_BENCH_SQLITE_URL",
        f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench-gateway.db'}",
    )
    run_peak(NAME, url)


if __name__ == "__main__":
    main()
