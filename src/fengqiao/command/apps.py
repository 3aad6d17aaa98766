from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "fengqiao.command"
    label = "command"
    verbose_name = "综合指挥室"

    def ready(self):
        from fengqiao.command import alerts, feeds, today
        from fengqiao.notifications import attention

        feeds.subscribe()
        today.register()
        # The home page's 全部确认 acknowledges alerts through the same door as the wall.
        attention.register_acknowledger("command.alert", alerts.alerts_acknowledge_ids)
