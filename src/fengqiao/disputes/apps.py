from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "fengqiao.disputes"
    label = "disputes"
    verbose_name = "矛盾纠纷"

    def ready(self):
        from fengqiao.core import workqueue
        from fengqiao.disputes.selectors import (
            my_disputes_needing_action,
            my_due_terms,
            my_screening_calls,
        )

        workqueue.register("dispute", my_disputes_needing_action)
        workqueue.register("dispute_term", my_due_terms)
        workqueue.register("dispute_screening", my_screening_calls)

        from fengqiao.core import events
        from fengqiao.disputes.linking import on_incident_received

        events.subscribe("incident.received", on_incident_received)
