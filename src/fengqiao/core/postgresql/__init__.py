"""PostgreSQL with the station scope of row-level security applied per transaction (core/rls.py)."""
