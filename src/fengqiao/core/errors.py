"""Error pages: the API answers JSON, never an HTML page (issue 19).

Django's own handlers render HTML for a URL no route matches, a crash, a refused CSRF check or a bad
host, whatever the path. A client of /api/ parses JSON; these answer `{"detail": "…"}` there with
the same status, and leave every other path to Django's pages.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("请求无效")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": str(exception or "") or _("无权访问")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("未找到")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("服务器内部错误,已记录;请稍后重试")}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return JsonResponse({"detail": _("CSRF 校验失败,请刷新页面后重试")}, status=403)
    from django.views.csrf import csrf_failure as django_csrf_failure

    return django_csrf_failure(request, reason)
