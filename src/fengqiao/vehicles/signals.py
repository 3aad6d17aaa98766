"""Signals the vehicles part sends for other parts (the command room listens)."""

from django.dispatch import Signal

# Sent after the transaction that opened the alarms commits: alarms=[Alarm, ...] (bulk-inserted, so
# post_save never fires for them).
alarms_opened = Signal()
