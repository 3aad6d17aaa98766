"""法规学习 pages: sessions (list, plan, detail with material, attendance and quiz), the projector's
sign-in QR code, the officer's phone sign-in, quizzes, and the per-officer figures."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.web import error_text, forbidden
from fengqiao.lawstudy import permissions, rules, selectors, services
from fengqiao.lawstudy.choices import AttemptPolicy, SessionStatus
from fengqiao.lawstudy.forms import AttendanceForm, MaterialForm, QuizForm, SessionForm
from fengqiao.lawstudy.models import Attendance, Material, Quiz, QuizAttempt, StudySession


def _add_errors(form, exc: ValidationError) -> None:
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, errors in items:
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


@login_required
def session_list(request):
    user = request.user
    qs = StudySession.objects.visible_to(user).select_related("host")
    f = {k: (request.GET.get(k) or "").strip() for k in ("q", "status", "year")}
    if f["q"]:
        qs = qs.filter(topic__icontains=f["q"])
    if f["status"] in SessionStatus.values:
        qs = qs.filter(status=f["status"])
    if f["year"].isdigit():
        qs = qs.filter(starts_at__year=int(f["year"]))
    page = Paginator(qs.order_by("-starts_at"), 30).get_page(request.GET.get("page"))
    mine = dict(
        Attendance.objects.filter(officer=user, session__in=list(page)).values_list(
            "session_id", "status"
        )
    )
    now = timezone.now()
    upcoming = list(
        StudySession.objects.visible_to(user)
        .filter(
            status__in=[SessionStatus.PLANNED, SessionStatus.OPEN],
            starts_at__gte=now - dt.timedelta(hours=3),
        )
        .order_by("starts_at")[:3]
    )
    pending_quizzes = (
        [
            q
            for q in Quiz.objects.filter(
                session__station_id=user.station_id,
                session__starts_at__gte=now - dt.timedelta(days=60),
            )
            .exclude(session__status=SessionStatus.CANCELLED)
            .select_related("session")
            if q.closes_at >= now and not QuizAttempt.objects.filter(quiz=q, officer=user).exists()
        ]
        if user.station_id
        else []
    )
    return render(
        request,
        "lawstudy/list.html",
        {
            "page": page,
            "rows": [(s, mine.get(s.pk)) for s in page],
            "f": f,
            "statuses": SessionStatus.choices,
            "can_organise": permissions.can_organise(user),
            "upcoming": upcoming,
            "pending_quizzes": pending_quizzes[:5],
        },
    )


@login_required
def session_edit(request, pk=None):
    user = request.user
    if not user.station_id:
        return forbidden(request, _("法规学习按派出所组织,请以派出所的账号登录"))
    instance = get_object_or_404(StudySession.objects.visible_to(user), pk=pk) if pk else None
    if not permissions.can_organise(user, instance or user.station):
        return forbidden(request, _("只有所领导、案管民警或本场主讲可以管理法规学习"))
    form = SessionForm(request.POST or None, instance=instance, station=user.station)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in SessionForm.Meta.fields}
            repeat = form.cleaned_data.get("repeat_weeks") or 0
            try:
                with transaction.atomic():
                    session = services.session_save(
                        actor=user, station=user.station, instance=instance, data=data
                    )
                    copies = (
                        services.session_repeat(actor=user, session=session, weeks=repeat)
                        if repeat
                        else []
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            else:
                if copies:
                    messages.success(
                        request, _("已保存,并安排了之后 %(n)s 周的学习") % {"n": len(copies)}
                    )
                else:
                    messages.success(request, _("已保存"))
                return redirect(session)
        else:
            status = 400
    return render(
        request, "lawstudy/form.html", {"form": form, "instance": instance}, status=status
    )


@login_required
def session_detail(request, pk):
    user = request.user
    session = get_object_or_404(StudySession.objects.visible_to(user).select_related("host"), pk=pk)
    can_organise = permissions.can_organise(user, session)
    attendance = {a.officer_id: a for a in Attendance.objects.filter(session=session)}
    officers = list(
        services.expected_officers(session.station_id)
        .select_related("unit")
        .order_by("rank", "full_name")
    )
    extra = [
        a.officer
        for a in Attendance.objects.filter(session=session)
        .exclude(officer__in=officers)
        .select_related("officer")
    ]
    quiz = Quiz.objects.filter(session=session).first()
    my_attempts = (
        list(QuizAttempt.objects.filter(quiz=quiz, officer=user).order_by("number")) if quiz else []
    )
    best = {}
    if quiz:
        for a in QuizAttempt.objects.filter(quiz=quiz):
            best[a.officer_id] = max(best.get(a.officer_id, 0), a.score)
    return render(
        request,
        "lawstudy/detail.html",
        {
            "session": session,
            "can_organise": can_organise,
            "rows": [(o, attendance.get(o.pk), best.get(o.pk)) for o in officers + extra],
            "summary": selectors.session_summary(session),
            "materials": Material.objects.filter(session=session),
            "material_form": MaterialForm() if can_organise else None,
            "attendance_form": AttendanceForm(station=session.station) if can_organise else None,
            "quiz": quiz,
            "my_attempts": my_attempts,
            "mine": attendance.get(user.pk),
            "attempts_left": services.quiz_attempts_left(quiz, user) if quiz else 0,
        },
    )


def _outcome(request, session, action):
    try:
        result = action()
    except PermissionDenied as exc:
        return forbidden(request, str(exc))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        return result
    return redirect(session)


@login_required
@require_POST
def session_action(request, pk, action):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    if action == "open":

        def run():
            services.session_open(actor=request.user, session=session)
            messages.success(request, _("已开始签到,请在会场屏幕上打开签到二维码"))
            return redirect("lawstudy:qr_screen", session.pk)
    elif action == "close":

        def run():
            n = services.session_close(actor=request.user, session=session)
            messages.success(request, _("本场学习已结束,%(n)s 人记为缺席") % {"n": n})
            return redirect(session)
    elif action == "cancel":

        def run():
            services.session_cancel(actor=request.user, session=session)
            messages.success(request, _("本场学习已取消"))
            return redirect(session)
    else:
        return HttpResponseNotAllowed(["POST"])
    return _outcome(request, session, run)


@login_required
@require_POST
def attendance(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    form = AttendanceForm(request.POST, station=session.station)
    if not form.is_valid():
        messages.error(request, _("请选择人员和出勤状态"))
        return redirect(session)

    def run():
        row = services.attendance_record(actor=request.user, session=session, **form.cleaned_data)
        messages.success(
            request,
            _("已登记 %(who)s:%(s)s")
            % {"who": row.officer.display_name, "s": row.get_status_display()},
        )
        return redirect(session)

    return _outcome(request, session, run)


@login_required
@require_POST
def material_add(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请填写标题,并上传文件或填写正确的链接"))
        return redirect(session)

    def run():
        services.material_add(actor=request.user, session=session, **form.cleaned_data)
        messages.success(request, _("已添加学习材料"))
        return redirect(session)

    return _outcome(request, session, run)


@login_required
def material_download(request, pk):
    material = get_object_or_404(Material.objects.visible_to(request.user), pk=pk)
    if not material.file:
        if material.url:
            if not services.material_link_allowed(material):
                return forbidden(
                    request, _("该材料链接的网站不在允许的范围内(LAWSTUDY_LINK_HOSTS),不能打开")
                )
            return redirect(material.url)
        raise Http404
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1]
    )


# ----------------------------------------------------------------------------- QR sign-in


def _qr_context(request, session):
    token = services.signin_token(session)
    url = request.build_absolute_uri(reverse("lawstudy:signin", args=[session.pk, token]))
    return {
        "session": session,
        "qr": segno.make(url, error="m").svg_data_uri(scale=6),
        "url": url,
        "summary": selectors.session_summary(session),
        "refresh": max(5, settings.LAWSTUDY_QR_SECONDS // 3),
        "expected": services.expected_officers(session.station_id).count(),
    }


@login_required
def qr_screen(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    if not permissions.can_organise(request.user, session):
        return forbidden(request, _("只有组织者可以打开签到二维码"))
    if session.status != SessionStatus.OPEN:
        messages.error(
            request, _("本场学习当前为“%(s)s”,没有签到二维码") % {"s": session.get_status_display()}
        )
        return redirect(session)
    return render(request, "lawstudy/qr.html", _qr_context(request, session))


@login_required
def qr_panel(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    if not permissions.can_organise(request.user, session):
        return forbidden(request, _("只有组织者可以打开签到二维码"))
    return render(request, "lawstudy/_qr_panel.html", _qr_context(request, session))


@login_required
def signin(request, pk, token):
    """Opened from the QR code on the officer's own phone (signed in): check, then one tap to sign."""
    session = StudySession.objects.filter(pk=pk).first()
    if session is None:
        return render(
            request, "lawstudy/signin.html", {"error": _("二维码无效:找不到这场学习")}, status=404
        )
    context = {"session": session, "token": token}
    if request.user.station_id != session.station_id:
        return render(
            request,
            "lawstudy/signin.html",
            {**context, "error": _("您不是本所人员,不能在本所的学习签到")},
            status=403,
        )
    existing = Attendance.objects.filter(session=session, officer=request.user).first()
    if request.method == "POST":
        try:
            row, new = services.sign_in(actor=request.user, session=session, token=token)
        except PermissionDenied as exc:
            return render(
                request, "lawstudy/signin.html", {**context, "error": str(exc)}, status=403
            )
        except ValidationError as exc:
            return render(
                request, "lawstudy/signin.html", {**context, "error": error_text(exc)}, status=400
            )
        return render(request, "lawstudy/signin.html", {**context, "done": row, "new": new})
    try:
        services.token_check(session, token)
    except ValidationError as exc:
        return render(
            request, "lawstudy/signin.html", {**context, "error": error_text(exc)}, status=400
        )
    if existing is not None and existing.signed_at:
        return render(request, "lawstudy/signin.html", {**context, "done": existing, "new": False})
    return render(request, "lawstudy/signin.html", context)


# ----------------------------------------------------------------------------- quizzes


@login_required
def quiz_edit(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    if not permissions.can_organise(request.user, session):
        return forbidden(request, _("只有所领导、案管民警或本场主讲可以管理法规学习"))
    quiz = Quiz.objects.filter(session=session).first()
    initial = {
        "policy": AttemptPolicy.ONE,
        "max_attempts": 3,
        "pass_score": 60,
        "open_days": 7,
        "title": session.topic,
    }
    if quiz:
        initial = {
            "title": quiz.title,
            "policy": quiz.policy,
            "max_attempts": quiz.max_attempts,
            "pass_score": quiz.pass_score,
            "open_days": quiz.open_days,
            "text": rules.quiz_text(quiz.questions.all()),
        }
    form = QuizForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.quiz_save(actor=request.user, session=session, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("测验已保存"))
                return redirect(session)
        else:
            status = 400
    return render(
        request,
        "lawstudy/quiz_edit.html",
        {"session": session, "form": form, "quiz": quiz},
        status=status,
    )


@login_required
def quiz_take(request, pk):
    session = get_object_or_404(StudySession.objects.visible_to(request.user), pk=pk)
    quiz = Quiz.objects.filter(session=session).first()
    if quiz is None:
        messages.error(request, _("本场学习没有测验"))
        return redirect(session)
    questions = list(quiz.questions.all())
    answers, error, result, status = {}, "", None, 200
    if request.method == "POST":
        for q in questions:
            value = request.POST.get(f"q{q.pk}")
            answers[q.pk] = (
                int(value)
                if value is not None and value.isdigit() and int(value) < len(q.choices)
                else None
            )
        try:
            result = services.quiz_submit(actor=request.user, quiz=quiz, answers=answers)
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except ValidationError as exc:
            error, status = error_text(exc), 400
    attempts = list(QuizAttempt.objects.filter(quiz=quiz, officer=request.user).order_by("number"))
    return render(
        request,
        "lawstudy/quiz.html",
        {
            "session": session,
            "quiz": quiz,
            "questions": [(q, list(enumerate(q.choices)), answers.get(q.pk)) for q in questions],
            "error": error,
            "result": result,
            "attempts": attempts,
            "left": services.quiz_attempts_left(quiz, request.user),
            "closed": timezone.now() > quiz.closes_at,
            "key": {q.pk: q.choices[q.answer] for q in questions} if result else {},
        },
        status=status,
    )


# ----------------------------------------------------------------------------- figures


@login_required
def figures(request):
    user = request.user
    if not user.station_id:
        return forbidden(request, _("法规学习按派出所组织,请以派出所的账号登录"))
    today = timezone.localdate()

    def day(name, default):
        try:
            return dt.date.fromisoformat(request.GET.get(name) or "") or default
        except ValueError:
            return default

    end = day("to", today)
    start = day("from", end - dt.timedelta(days=90))
    if start > end:
        start, end = end, start
    rows = selectors.officer_figures(user.station, start, end)
    rank = request.GET.get("rank") or ""
    if rank in ("police", "auxiliary"):
        rows = [r for r in rows if r["rank"] == rank]
    weekly = selectors.weekly_rates(user.station, start, end)
    chart = {
        "labels": {"rate": _("出勤率(%)"), "quiz": _("测验平均分")},
        "days": [f"{w['day']:%m-%d}" for w in weekly],
        "rates": [w["rate"] for w in weekly],
        "quiz": [w["quiz_mean"] for w in weekly],
        "officers": [r["name"] for r in rows],
        "officer_rates": [r["attendance_rate"] for r in rows],
        "officer_quiz": [r["quiz_average"] for r in rows],
    }
    return render(
        request,
        "lawstudy/figures.html",
        {"rows": rows, "weekly": weekly, "start": start, "end": end, "rank": rank, "chart": chart},
    )
