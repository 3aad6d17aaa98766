from django.apps import AppConfig


class CommandConfig(AppConfig):
    name = "fengqiao.command"
    label = "command"
    verbose_name = "综合指挥室"

    def ready(self):
        from fengqiao.command import feeds, today

        feeds.subscribe()
        today.register()
