"""Every write of the registration desk (户籍室一门通办).

Residents book on the public pages (phone verified by an SMS code; rate-limited per address and per
phone); on the day they check in and get a number with priority, or take a number on site. A counter
calls the next number with one conditional UPDATE (two counters never call the same number), recalls,
skips (a skipped appointment is a no-show), transfers and finishes; the resident rates the service
once (好差评). Each service validates, writes in one transaction, records a `TicketEvent` where a
number's life changes, keeps the change log, and refuses bad input with a clear message.

One module per subject; import from here (`from fengqiao.desk.services import ticket_take`):
- common: role checks, the station's desk settings, local time
- throttle: rate limits of the public pages
- sms: SMS to residents (queue, attempts with backoff)
- verification: the phone verification code
- tickets: numbers and the queue (take, call next, recall, skip, requeue, transfer, finish, rating)
- booking: bookable days, booking, cancelling, check-in, no-shows
- catalogue: services, counters and the desk settings
Permission checks (`can_*`) live in `fengqiao.desk.permissions` and are re-exported here.
"""

from fengqiao.desk.permissions import OPERATOR_ROLES, can_manage, can_operate
from fengqiao.desk.services.booking import (
    AlreadyBooked,
    DayFull,
    appointment_book,
    appointment_cancel,
    appointment_cancel_by_resident,
    appointment_check_in,
    appointments_mark_no_show,
    bookable_days,
    booking_check,
    day_availability,
    noshow_block,
)
from fengqiao.desk.services.catalogue import config_save, counter_save, counter_sit, service_save
from fengqiao.desk.services.common import config_for
from fengqiao.desk.services.sms import sms_attempt, sms_queue
from fengqiao.desk.services.throttle import public_hits_purge, public_throttle
from fengqiao.desk.services.tickets import (
    current_ticket,
    rating_submit,
    ticket_call_next,
    ticket_finish,
    ticket_recall,
    ticket_requeue,
    ticket_skip,
    ticket_take,
    ticket_transfer,
    waiting_ahead,
)
from fengqiao.desk.services.verification import (
    rules_phone_ok,
    verification_check,
    verification_send,
)

__all__ = [
    "OPERATOR_ROLES",
    "can_operate",
    "can_manage",
    "config_for",
    "public_throttle",
    "public_hits_purge",
    "sms_queue",
    "sms_attempt",
    "verification_send",
    "rules_phone_ok",
    "verification_check",
    "ticket_take",
    "waiting_ahead",
    "current_ticket",
    "ticket_call_next",
    "ticket_recall",
    "ticket_skip",
    "ticket_requeue",
    "ticket_transfer",
    "ticket_finish",
    "rating_submit",
    "AlreadyBooked",
    "DayFull",
    "bookable_days",
    "day_availability",
    "noshow_block",
    "booking_check",
    "appointment_book",
    "appointment_cancel_by_resident",
    "appointment_cancel",
    "appointment_check_in",
    "appointments_mark_no_show",
    "service_save",
    "counter_save",
    "counter_sit",
    "config_save",
]
