from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from fengqiao.core import audit
        from fengqiao.core.forms import use_chinese_empty_labels

        use_chinese_empty_labels()

        audit.connect_signals()

        from fengqiao.core import clock_workqueue

        clock_workqueue.register()

        from django.db.models.signals import post_migrate

        post_migrate.connect(grant_app_role, sender=self, dispatch_uid="fengqiao_grant_app_role")


def grant_app_role(sender, using="default", **kwargs):
    """After `migrate` (as the owner): the application role may read and write every table's rows
    (through the station policies), never change the schema (docs/deploy.md)."""
    from django.conf import settings
    from django.db import connections

    from fengqiao.core import rls

    role = getattr(settings, "DATABASE_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in rls.grant_sql(role):
            cursor.execute(statement)
