"""Writes on disputes. Every function takes `actor`, runs in one transaction and checks scope.

One module per subject; import from here (`from fengqiao.disputes.services import dispute_register`):
- common: the dispute event and the edit check shared by the others
- levels: the warning level (suggestion, setting it, what a level sets off)
- parties: the parties of a dispute
- lifecycle: register (also from an incident), update, accept, close
- plans: the stabilisation plan and its measures
- sessions: mediation sessions
- agreements: agreements, their confirmation and the fulfilment of their terms
- screening: the daily screening calls
- tables: the editable tables (warning triggers and the others)
Permission checks (`can_*`) live in `fengqiao.disputes.permissions` and are re-exported here.
"""

from fengqiao.disputes.permissions import can_manage_tables, can_manage_triggers
from fengqiao.disputes.services.agreements import (
    agreement_confirmation_done,
    agreement_fail,
    agreement_record,
    parties_officer,
    term_check,
)
from fengqiao.disputes.services.levels import (
    dispute_set_level,
    facts_of,
    refresh_suggestion,
    suggestion_for,
)
from fengqiao.disputes.services.lifecycle import (
    INCIDENT_TYPE_CODES,
    UPDATE_FIELDS,
    dispute_accept,
    dispute_close,
    dispute_from_incident,
    dispute_register,
    dispute_update,
    incident_defaults,
)
from fengqiao.disputes.services.parties import (
    PARTY_FIELDS,
    dispute_party_add,
    dispute_party_remove,
    dispute_party_update,
)
from fengqiao.disputes.services.plans import _clean_measures as _clean_measures
from fengqiao.disputes.services.plans import measure_done, plan_file, plan_revise
from fengqiao.disputes.services.screening import (
    screening_flag_missed,
    screening_link_dispute,
    screening_record,
)
from fengqiao.disputes.services.sessions import session_record
from fengqiao.disputes.services.tables import table_row_save, trigger_save

__all__ = [
    "can_manage_triggers",
    "can_manage_tables",
    "facts_of",
    "suggestion_for",
    "refresh_suggestion",
    "dispute_set_level",
    "PARTY_FIELDS",
    "dispute_party_add",
    "dispute_party_update",
    "dispute_party_remove",
    "plan_file",
    "plan_revise",
    "measure_done",
    "session_record",
    "parties_officer",
    "agreement_record",
    "agreement_confirmation_done",
    "agreement_fail",
    "term_check",
    "UPDATE_FIELDS",
    "dispute_register",
    "INCIDENT_TYPE_CODES",
    "incident_defaults",
    "dispute_from_incident",
    "dispute_update",
    "dispute_accept",
    "dispute_close",
    "screening_record",
    "screening_link_dispute",
    "screening_flag_missed",
    "trigger_save",
    "table_row_save",
]
