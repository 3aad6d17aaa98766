from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PushEvent(models.Model):
    """One live update for open tabs (the outbox). Its id is the stream's event id: a tab resumes
    after `Last-Event-ID` with `audience IN (mine) AND id > last`. Purged after PUSH_RETENTION_HOURS.

    audience: `user:<id>`, `station:<id>`, or a screen of a station: `wall:<id>`, `desk:<id>`, `map:<id>`.
    """

    id = models.BigAutoField(primary_key=True)
    audience = models.CharField(_("对象"), max_length=60)
    kind = models.CharField(_("类型"), max_length=40)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("推送事件")
        verbose_name_plural = _("推送事件")
        indexes = [models.Index(fields=["audience", "id"], name="push_event_audience_id")]

    def __str__(self) -> str:
        return f"{self.pk} {self.audience} {self.kind}"
