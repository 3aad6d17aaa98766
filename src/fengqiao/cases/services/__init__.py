"""Every write on cases. Each service runs in one transaction, checks rights, state and times,
starts or stops the legal clocks (core), writes a `CaseEvent`, and refuses bad input with a
Chinese message, changing nothing.

Times: a step's time may not precede the step it follows, nor lie in the future beyond
FUTURE_TOLERANCE (a handset's clock skew).

One module per subject; import from here (`from fengqiao.cases.services import case_open`):
- common: time checks, locks, state checks and the case event shared by the others
- flags: red-line flags (raise, detectors, assign, explain, close)
- clocks: the legal clocks of a case and their extensions
- parties: parties, their flight and pursuit, revealing their personal data
- actions: investigative actions, linked notes, appraisal
- measures: coercive measures
- evidence: evidence items and their movements
- penalties: penalty decision, service and execution
- lifecycle: open, accept / file / refuse, notice, close, review
- offences: the offence catalogue
- weekly: the weekly summary and Monday notice
Permission checks (`can_*`) live in `fengqiao.cases.permissions` and are re-exported here.
"""

from fengqiao.cases.permissions import PARTY_REVEAL_ROLES, can_edit_case, can_reveal_party
from fengqiao.cases.services.actions import (
    action_record,
    appraisal_end,
    appraisal_start,
    case_note_linked,
)
from fengqiao.cases.services.clocks import (
    DETENTION_STEP_CLOCK,
    EXECUTION_CLOCK,
    HANDLING_CLOCK,
    NOTICE_CLOCK,
    REVIEW_CLOCK,
    SERVICE_CLOCK,
    case_clocks,
    case_for_clock,
    extension_approve,
    extension_reject,
    extension_request,
    pending_extensions,
)
from fengqiao.cases.services.common import FUTURE_TOLERANCE
from fengqiao.cases.services.evidence import ALLOWED_MOVES, item_move, item_register
from fengqiao.cases.services.flags import (
    flag_assign,
    flag_close,
    flag_explain,
    flag_raise,
    flags_sync,
)
from fengqiao.cases.services.lifecycle import (
    OPEN_CASE_ROLES,
    REFERENCE_KIND,
    case_accept,
    case_close,
    case_file,
    case_open,
    case_refuse,
    case_review,
    case_serve_notice,
    closing_obstacles,
)
from fengqiao.cases.services.measures import (
    PERSONAL_MEASURES,
    measure_end,
    measure_start,
    measure_step,
)
from fengqiao.cases.services.offences import offence_save
from fengqiao.cases.services.parties import (
    PARTY_REVEAL_FIELDS,
    PURPOSE_MAX_LENGTH,
    party_add,
    party_fled,
    party_pursue,
    party_reveal,
)
from fengqiao.cases.services.penalties import penalty_decide, penalty_execute, penalty_serve
from fengqiao.cases.services.weekly import weekly_generate, weekly_notify

__all__ = [
    "can_edit_case",
    "PARTY_REVEAL_ROLES",
    "can_reveal_party",
    "FUTURE_TOLERANCE",
    "flag_raise",
    "flags_sync",
    "flag_assign",
    "flag_explain",
    "flag_close",
    "REVIEW_CLOCK",
    "HANDLING_CLOCK",
    "NOTICE_CLOCK",
    "EXECUTION_CLOCK",
    "SERVICE_CLOCK",
    "DETENTION_STEP_CLOCK",
    "case_clocks",
    "case_for_clock",
    "extension_request",
    "extension_approve",
    "extension_reject",
    "pending_extensions",
    "party_add",
    "party_fled",
    "party_pursue",
    "PARTY_REVEAL_FIELDS",
    "PURPOSE_MAX_LENGTH",
    "party_reveal",
    "action_record",
    "case_note_linked",
    "appraisal_start",
    "appraisal_end",
    "PERSONAL_MEASURES",
    "measure_start",
    "measure_step",
    "measure_end",
    "item_register",
    "ALLOWED_MOVES",
    "item_move",
    "penalty_decide",
    "penalty_serve",
    "penalty_execute",
    "REFERENCE_KIND",
    "OPEN_CASE_ROLES",
    "case_open",
    "case_accept",
    "case_file",
    "case_refuse",
    "case_serve_notice",
    "closing_obstacles",
    "case_close",
    "case_review",
    "offence_save",
    "weekly_generate",
    "weekly_notify",
]
