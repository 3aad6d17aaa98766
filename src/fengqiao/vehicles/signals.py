"""Signals the vehicles part sends for other parts (the command room listens)."""

from django.dispatch import Signal

# Sent inside the transaction that opens the alarms, after the owner SMS and the command room's
# notifications are queued: alarms=[Alarm, ...] (bulk-inserted, so post_save never fires for them).
# A receiver writes in the same transaction (its rows commit with the alarms) and must not raise.
alarms_opened = Signal()
