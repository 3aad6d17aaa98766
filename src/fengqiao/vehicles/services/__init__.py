"""Every write of 行车卫士. Each service checks the actor's rights and the input, writes inside one
transaction, records a `VehicleEvent`, and refuses bad input with a Chinese message, changing nothing.

Alarms are raised by `alarms_raise` (called by hooks.after_store, the offline sweep, and tests); the
owner hears of them by SMS (`OwnerMessage`, sent by a Huey task through the notifications app's SMS
gateway channel) and the command room live (an urgent notification to every 指挥室 user of the station).

One module per subject; import from here (`from fengqiao.vehicles.services import alarms_raise`):
- common: the vehicle event, edit checks, times and locks shared by the others
- registration: vehicles and their trackers (register, install, reset, fence)
- commands: arming and engine commands sent to the tracker
- alarms: raising alarms, telling the owner and the command room, the offline sweep, closing
- thefts: theft reports (with their case) and recoveries
- insurance: policies, claims and payouts
- owner: the owner app (key, vehicle, arming)
Permission checks (`can_*`, `may_*`) live in `fengqiao.vehicles.permissions` and are re-exported here.
"""

from fengqiao.vehicles.permissions import can_command, may_report_theft
from fengqiao.vehicles.services.alarms import (
    OFFLINE_DEAD_AFTER,
    AlarmDraft,
    alarm_acknowledge,
    alarm_close,
    alarms_raise,
    offline_sweep,
    owner_message_attempt,
)
from fengqiao.vehicles.services.commands import (
    ARM_CHANNELS,
    engine_command,
    vehicle_arm,
    vehicle_set_arm_commands,
)
from fengqiao.vehicles.services.common import FUTURE_TOLERANCE
from fengqiao.vehicles.services.insurance import (
    claim_approve,
    claim_pay,
    claim_quote,
    policy_create,
    policy_for,
)
from fengqiao.vehicles.services.owner import owner_arm, owner_key_issue, owner_vehicle
from fengqiao.vehicles.services.registration import (
    IMEI_RE,
    PLATE_RE,
    normalise_imei,
    normalise_plate,
    tracker_install,
    vehicle_register,
    vehicle_reset_registration,
    vehicle_set_fence,
)
from fengqiao.vehicles.services.thefts import (
    THEFT_CATEGORY_CODES,
    THEFT_OFFENCE_CODE,
    recovery_record,
    theft_category,
    theft_offence,
    theft_report,
)

__all__ = [
    "may_report_theft",
    "can_command",
    "FUTURE_TOLERANCE",
    "PLATE_RE",
    "IMEI_RE",
    "normalise_plate",
    "normalise_imei",
    "vehicle_register",
    "tracker_install",
    "vehicle_reset_registration",
    "vehicle_set_fence",
    "ARM_CHANNELS",
    "vehicle_arm",
    "vehicle_set_arm_commands",
    "engine_command",
    "AlarmDraft",
    "alarms_raise",
    "owner_message_attempt",
    "OFFLINE_DEAD_AFTER",
    "offline_sweep",
    "alarm_acknowledge",
    "alarm_close",
    "THEFT_CATEGORY_CODES",
    "THEFT_OFFENCE_CODE",
    "theft_category",
    "theft_offence",
    "theft_report",
    "recovery_record",
    "policy_for",
    "claim_quote",
    "claim_approve",
    "claim_pay",
    "policy_create",
    "owner_key_issue",
    "owner_vehicle",
    "owner_arm",
]
