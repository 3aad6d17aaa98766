from django.apps import AppConfig


class TrackingConfig(AppConfig):
    """The data plane of the tracker gateway: devices, positions, device alarms, command queue."""

    name = "fengqiao.tracking"
    label = "tracking"
    verbose_name = "定位数据"
