"""Every write of the law study (法规学习).

A session is planned (topic, time, articles, material), reminded to every officer of the station
LAWSTUDY_REMIND_HOURS before, opened for sign-in (the projector shows a QR code holding a signed
token bound to the session that expires after LAWSTUDY_QR_SECONDS and is renewed on screen), signed
in on each officer's own logged-in phone, closed (everyone not signed in is recorded absent, and
notified), absences get their reason or become 请假; a short quiz is answered once or several times
(best score), as the session says.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.choices import Rank
from fengqiao.accounts.models import User
from fengqiao.lawstudy import rules
from fengqiao.lawstudy.choices import (
    ATTENDED,
    AttemptPolicy,
    AttendanceStatus,
    SessionStatus,
    SignInMethod,
)
from fengqiao.lawstudy.models import Attendance, Material, Question, Quiz, QuizAttempt, StudySession
from fengqiao.lawstudy.permissions import can_organise

TOKEN_SALT = "fengqiao.lawstudy.signin"  # noqa: S105 - a signing salt, not a secret
MATERIAL_MAX_BYTES = 20 * 1024 * 1024
MATERIAL_EXTENSIONS = frozenset(
    rules.MATERIAL_LABELS
)  # each checked by content (rules.material_file_problem)


def _require_organiser(actor, target) -> None:
    if actor is not None and not can_organise(actor, target):
        raise PermissionDenied(_("只有所领导、案管民警或本场主讲可以管理法规学习"))


def expected_officers(station_id):
    """Who is due at a session: the station's active 民警 and 辅警."""
    return User.objects.filter(
        station_id=station_id, is_active=True, rank__in=[Rank.POLICE, Rank.AUXILIARY]
    )


# ----------------------------------------------------------------------------- sessions


def session_save(*, actor, station, instance: StudySession | None, data: dict) -> StudySession:
    _require_organiser(actor, instance or station)
    session = instance or StudySession(station=station, created_by=actor)
    if instance is not None and instance.status in (SessionStatus.CLOSED, SessionStatus.CANCELLED):
        raise ValidationError(
            _("本场学习已%(s)s,不能再修改") % {"s": instance.get_status_display()}
        )
    for key, value in data.items():
        setattr(session, key, value)
    if session.host_id and session.host.station_id != station.pk:
        raise ValidationError({"host": _("主讲须是本所人员")})
    session.full_clean()
    with transaction.atomic():
        if instance is not None and "starts_at" in data:
            session.reminded_at = (
                None if session.starts_at > timezone.now() else session.reminded_at
            )
        session.save()
    return session


def session_repeat(*, actor, session: StudySession, weeks: int) -> list[StudySession]:
    """Plan the same session (topic, time, place, speaker, articles, key points) for the next `weeks`
    weeks (每周学习); a week that already has a session starting at that very time is left alone."""
    _require_organiser(actor, session)
    if not 1 <= weeks <= 12:
        raise ValidationError({"repeat_weeks": _("每周重复的周数须在1到12之间")})
    created = []
    with transaction.atomic():
        for n in range(1, weeks + 1):
            starts = session.starts_at + dt.timedelta(weeks=n)
            if (
                StudySession.objects.filter(station_id=session.station_id, starts_at=starts)
                .exclude(status=SessionStatus.CANCELLED)
                .exists()
            ):
                continue
            copy = StudySession(
                station_id=session.station_id,
                topic=session.topic,
                starts_at=starts,
                minutes=session.minutes,
                place=session.place,
                host=session.host,
                articles=session.articles,
                material=session.material,
                created_by=actor,
            )
            copy.full_clean()
            copy.save()
            created.append(copy)
    return created


def session_open(*, actor, session: StudySession, now=None) -> StudySession:
    _require_organiser(actor, session)
    now = now or timezone.now()
    with transaction.atomic():
        session = StudySession.objects.select_for_update().get(pk=session.pk)
        if session.status != SessionStatus.PLANNED:
            raise ValidationError(
                _("本场学习当前为“%(s)s”,不能开始签到") % {"s": session.get_status_display()}
            )
        if session.starts_at - now > dt.timedelta(hours=2):
            raise ValidationError(_("开始前2小时内才能开始签到"))
        session.status = SessionStatus.OPEN
        session.save()
    return session


def session_cancel(*, actor, session: StudySession) -> StudySession:
    _require_organiser(actor, session)
    with transaction.atomic():
        session = StudySession.objects.select_for_update().get(pk=session.pk)
        if session.status not in (SessionStatus.PLANNED, SessionStatus.OPEN):
            raise ValidationError(
                _("本场学习当前为“%(s)s”,不能取消") % {"s": session.get_status_display()}
            )
        session.status = SessionStatus.CANCELLED
        session.save()
    return session


def session_close(*, actor, session: StudySession, now=None) -> int:
    """End the session: every due officer not signed in is recorded absent. Returns how many."""
    if actor is not None:
        _require_organiser(actor, session)
    now = now or timezone.now()
    with transaction.atomic():
        session = StudySession.objects.select_for_update().get(pk=session.pk)
        if session.status not in (SessionStatus.PLANNED, SessionStatus.OPEN):
            raise ValidationError(
                _("本场学习当前为“%(s)s”,不能结束") % {"s": session.get_status_display()}
            )
        if session.starts_at > now:
            raise ValidationError(_("学习还没有开始,不能结束;如不再举行请取消"))
        signed = set(
            Attendance.objects.filter(session=session).values_list("officer_id", flat=True)
        )
        rows = [
            Attendance(
                session=session,
                officer_id=pk,
                status=AttendanceStatus.ABSENT,
                method=SignInMethod.CLOSE,
                recorded_by=actor,
            )
            for pk in expected_officers(session.station_id).values_list("pk", flat=True)
            if pk not in signed
        ]
        for row in rows:
            row.save()  # one by one: each absence is in the change log
        session.status, session.closed_at = SessionStatus.CLOSED, now
        session.save()
        transaction.on_commit(lambda: absentees_notify(session_id=session.pk), robust=True)
    return len(rows)


# ----------------------------------------------------------------------------- QR sign-in


def signin_token(session: StudySession) -> str:
    """The token the projector's QR code holds: signed, timestamped, bound to the session."""
    return signing.dumps(
        {"s": session.pk, "n": secrets.token_hex(4)}, salt=TOKEN_SALT, compress=True
    )


def token_check(session: StudySession, token: str, *, max_age: int | None = None) -> None:
    """Refuse a forged, expired or other session's QR code with a clear message."""
    max_age = settings.LAWSTUDY_QR_SECONDS if max_age is None else max_age
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(
            _("二维码已过期,请扫描会场屏幕上刷新后的二维码"), code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            _("二维码无效:这不是本系统为学习签到生成的二维码"), code="forged"
        ) from None
    if not isinstance(data, dict) or data.get("s") != session.pk:
        other = StudySession.objects.filter(
            pk=data.get("s") if isinstance(data, dict) else 0
        ).first()
        raise ValidationError(
            _("这是另一场学习(%(other)s)的签到码,不是本场的") % {"other": other or "-"},
            code="other_session",
        )


def sign_in(
    *, actor, session: StudySession, token: str, now=None, grace: int = 60
) -> tuple[Attendance, bool]:
    """Sign the officer in by the session's QR token. Returns the attendance and whether it is new
    (a second scan changes nothing and says when the first one was)."""
    now = now or timezone.now()
    if actor.station_id != session.station_id:
        raise PermissionDenied(_("您不是本所人员,不能在本所的学习签到"))
    token_check(session, token, max_age=settings.LAWSTUDY_QR_SECONDS + grace)
    existing = Attendance.objects.filter(session=session, officer=actor).first()
    if existing is not None and existing.status in ATTENDED:
        return existing, False
    session.refresh_from_db(fields=["status"])
    if session.status != SessionStatus.OPEN:
        if session.status == SessionStatus.PLANNED:
            raise ValidationError(_("本场学习还没有开始签到"))
        raise ValidationError(
            _("本场学习已%(s)s,不能再扫码签到;如有需要请找组织者补登")
            % {"s": session.get_status_display()}
        )
    status = rules.sign_in_status(now, session.starts_at, settings.LAWSTUDY_LATE_MINUTES)
    try:
        with transaction.atomic():
            if (
                existing is not None
            ):  # recorded absent or excused by hand before: now here after all
                existing.status, existing.signed_at, existing.method = status, now, SignInMethod.QR
                existing.save()
                return existing, True
            return Attendance.objects.create(
                session=session, officer=actor, status=status, signed_at=now, method=SignInMethod.QR
            ), True
    except IntegrityError:  # the same phone scanned twice at once
        return Attendance.objects.get(session=session, officer=actor), False


def attendance_record(
    *, actor, session: StudySession, officer, status: str, reason: str = "", now=None
) -> Attendance:
    """The organiser records by hand: 补登 present/late, absent with a reason, or 请假 (reason required)."""
    _require_organiser(actor, session)
    now = now or timezone.now()
    if officer.station_id != session.station_id:
        raise ValidationError(_("只能登记本所人员"))
    if status not in AttendanceStatus.values:
        raise ValidationError(_("出勤状态不正确"))
    reason = (reason or "").strip()
    if status in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED) and not reason:
        raise ValidationError({"reason": _("缺席或请假须写明原因")})
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("本场学习已取消"))
    with transaction.atomic():
        row, _created = Attendance.objects.get_or_create(
            session=session,
            officer=officer,
            defaults={"status": status, "method": SignInMethod.MANUAL},
        )
        row.status, row.reason, row.recorded_by = status, reason[:200], actor
        if status in ATTENDED and row.signed_at is None:
            row.signed_at, row.method = now, SignInMethod.MANUAL
        row.save()
    return row


# ----------------------------------------------------------------------------- material and quizzes


def _link_refusal() -> str:
    hosts = settings.LAWSTUDY_LINK_HOSTS
    if not hosts:
        return _("本系统未允许链接到任何外部网站,请上传文件")
    return _("只能链接到以下网站:%(hosts)s") % {"hosts": "、".join(hosts)}


def _file_sample(file) -> tuple[bytes, list[str] | None]:
    """The first bytes of an upload, and the entries of a ZIP-based Office file (to tell a .docx from
    any ZIP). The file is left at its start."""
    import zipfile

    file.seek(0)
    head = file.read(4096)
    names = None
    if head.startswith(b"PK\x03\x04"):
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = None
    file.seek(0)
    return head, names


def material_link_allowed(material: Material) -> bool:
    """Checked again when a link is followed: links stored before a host was removed stay closed."""
    return bool(material.url) and rules.link_host_allowed(
        material.url, settings.LAWSTUDY_LINK_HOSTS
    )


def material_add(*, actor, session: StudySession, title: str, url: str = "", file=None) -> Material:
    _require_organiser(actor, session)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写材料标题")})
    if not url and file is None:
        raise ValidationError(_("请上传文件或填写链接"))
    if url and not rules.link_host_allowed(url, settings.LAWSTUDY_LINK_HOSTS):
        raise ValidationError({"url": _link_refusal()})
    if file is not None:
        if file.size > MATERIAL_MAX_BYTES:
            raise ValidationError({"file": _("文件不能超过20MB")})
        problem = rules.material_file_problem(file.name, *_file_sample(file))
        if problem:
            raise ValidationError({"file": problem})
    with transaction.atomic():
        return Material.objects.create(
            session=session, title=title[:120], url=url or "", file=file or "", added_by=actor
        )


def quiz_save(
    *,
    actor,
    session: StudySession,
    title: str,
    text: str,
    policy: str,
    max_attempts: int,
    pass_score: int,
    open_days: int,
) -> Quiz:
    """Save the quiz from its text form; questions are replaced only while nobody has answered."""
    _require_organiser(actor, session)
    questions, errors = rules.parse_quiz(text)
    if errors:
        raise ValidationError({"text": errors})
    with transaction.atomic():
        quiz = Quiz.objects.filter(session=session).first()
        if quiz is not None and quiz.attempts.exists():
            same = [(q.text, q.choices, q.answer) for q in quiz.questions.all()] == [
                (q.text, q.choices, q.answer) for q in questions
            ]
            if not same:
                raise ValidationError({"text": _("已有人作答,题目不能再改(可修改作答规则)")})
        quiz = quiz or Quiz(session=session)
        quiz.title, quiz.policy, quiz.max_attempts = (
            (title or "").strip() or session.topic,
            policy,
            max_attempts,
        )
        quiz.pass_score, quiz.open_days = pass_score, open_days
        quiz.full_clean(exclude=["session"])
        quiz.save()
        if not quiz.attempts.exists():
            for old in quiz.questions.all():
                old.delete()
            for order, q in enumerate(questions, start=1):
                Question.objects.create(
                    quiz=quiz, order=order, text=q.text[:300], choices=q.choices, answer=q.answer
                )
    return quiz


def quiz_attempts_left(quiz: Quiz, officer) -> int:
    taken = QuizAttempt.objects.filter(quiz=quiz, officer=officer).count()
    limit = 1 if quiz.policy == AttemptPolicy.ONE else quiz.max_attempts
    return max(0, limit - taken)


def quiz_submit(*, actor, quiz: Quiz, answers: dict[int, int | None], now=None) -> QuizAttempt:
    now = now or timezone.now()
    session = quiz.session
    if actor.station_id != session.station_id:
        raise PermissionDenied(_("您不是本所人员"))
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("本场学习已取消"))
    if now > quiz.closes_at:
        raise ValidationError(
            _("测验已于 %(t)s 截止") % {"t": f"{timezone.localtime(quiz.closes_at):%Y-%m-%d %H:%M}"}
        )
    key = dict(quiz.questions.values_list("pk", "answer"))
    if not key:
        raise ValidationError(_("测验还没有题目"))
    missing = [qid for qid in key if answers.get(qid) is None]
    if missing:
        raise ValidationError(_("还有 %(n)s 道题没有作答") % {"n": len(missing)})
    with transaction.atomic():
        previous = list(
            QuizAttempt.objects.select_for_update()
            .filter(quiz=quiz, officer=actor)
            .values_list("number", "score")
        )
        limit = 1 if quiz.policy == AttemptPolicy.ONE else quiz.max_attempts
        if len(previous) >= limit:
            best = max(s for _n, s in previous)
            if quiz.policy == AttemptPolicy.ONE:
                raise ValidationError(_("本测验只能作答一次,您已得 %(s)s 分") % {"s": best})
            raise ValidationError(
                _("作答次数已用完(%(n)s 次),最高 %(s)s 分") % {"n": limit, "s": best}
            )
        try:
            with transaction.atomic():
                return QuizAttempt.objects.create(
                    quiz=quiz,
                    officer=actor,
                    number=len(previous) + 1,
                    answers={str(k): v for k, v in answers.items()},
                    score=rules.score(answers, key),
                    submitted_at=now,
                )
        except IntegrityError:
            raise ValidationError(_("请不要重复提交")) from None


# ----------------------------------------------------------------------------- reminders


def reminders_due(*, now=None) -> dict[str, int]:
    """Remind every due officer of a session starting within LAWSTUDY_REMIND_HOURS (once); close
    sessions left open two hours after their end (absences recorded and notified)."""
    from fengqiao.notifications.services import notification_send

    now = now or timezone.now()
    sent = closed = 0
    due = StudySession.objects.filter(
        status__in=[SessionStatus.PLANNED, SessionStatus.OPEN],
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(hours=settings.LAWSTUDY_REMIND_HOURS),
    )
    for session in due:
        with transaction.atomic():
            if (
                StudySession.objects.filter(pk=session.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                )
                != 1
            ):
                continue
            local = timezone.localtime(session.starts_at)
            sent += len(
                notification_send(
                    recipients=expected_officers(session.station_id),
                    kind="lawstudy_reminder",
                    title=_("法规学习提醒:%(t)s") % {"t": session.topic},
                    body=_("%(when)s 在%(place)s,请准时参加并扫码签到。")
                    % {"when": f"{local:%m-%d %H:%M}", "place": session.place or _("所内")},
                    obj=session,
                    dedupe_key=f"lawstudy:remind:{session.pk}",
                )
            )
    stale = StudySession.objects.filter(
        status__in=[SessionStatus.PLANNED, SessionStatus.OPEN],
        starts_at__lt=now - dt.timedelta(hours=2),
    )
    for session in stale:
        if session.ends_at + dt.timedelta(hours=2) < now:
            try:
                session_close(actor=None, session=session, now=now)
                closed += 1
            except ValidationError:
                pass
    return {"reminded": sent, "closed": closed}


def absentees_notify(*, session_id: int, now=None) -> int:
    """Tell each absentee (not excused) of a closed session to study the material and take the quiz."""
    from fengqiao.notifications.services import notification_send

    now = now or timezone.now()
    if (
        StudySession.objects.filter(
            pk=session_id, absentees_notified_at__isnull=True, status=SessionStatus.CLOSED
        ).update(absentees_notified_at=now)
        != 1
    ):
        return 0
    session = StudySession.objects.get(pk=session_id)
    absent = User.objects.filter(
        pk__in=Attendance.objects.filter(session=session, status=AttendanceStatus.ABSENT).values(
            "officer_id"
        )
    )
    return len(
        notification_send(
            recipients=absent,
            kind="lawstudy_absent",
            title=_("您缺席了法规学习:%(t)s") % {"t": session.topic},
            body=_("请自学学习材料并完成测验;如已请假请找组织者登记原因。"),
            level="yellow",
            obj=session,
            dedupe_key=f"lawstudy:absent:{session.pk}",
        )
    )
