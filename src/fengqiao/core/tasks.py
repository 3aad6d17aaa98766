"""Scheduled jobs of the workflow core (Huey). Thin: they call the sweeper."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fengqiao.core import context, sweeper


@db_periodic_task(crontab(minute="*"))
def sweep_clocks():
    """Every minute: fire due time-limit warnings and mark expired clocks breached."""
    with context.acting_as(None, source="job"):
        return sweeper.sweep().as_dict()


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_rate_hits():
    """Nightly: forget the rate limits' counted requests older than a day."""
    from fengqiao.core import ratelimit  # imports DRF; the sweeper above does not need it

    return ratelimit.purge()


@db_periodic_task(crontab(hour="3", minute="53"))
def purge_form_tokens() -> int:
    """Nightly: forget one-time form tokens and API Idempotency-Keys older than FORM_TOKEN_DAYS."""
    from fengqiao.core import idempotency

    return idempotency.purge()
