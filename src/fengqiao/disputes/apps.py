from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "fengqiao.disputes"
    label = "disputes"
    verbose_name = "矛盾纠纷"

    def ready(self):
        from fengqiao.core import workqueue
        from fengqiao.disputes.selectors import my_disputes_needing_action

        workqueue.register("dispute", my_disputes_needing_action)
