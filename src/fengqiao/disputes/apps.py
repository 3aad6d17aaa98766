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

        from django.db.models.signals import post_save

        from fengqiao.disputes.linking import on_incident_saved

        post_save.connect(
            on_incident_saved, sender="incidents.Incident", dispatch_uid="disputes-link-incident"
        )
