from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render

from fengqiao.core.navigation import PARTS, part_by_key


@login_required
def home(request):
    return render(request, "core/home.html", {"parts": PARTS})


@login_required
def part_pending(request, key):
    part = part_by_key(key)
    if part is None:
        raise Http404("没有这个模块")
    return render(request, "core/pending.html", {"part": part})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def changelog(request):
    raise Http404
