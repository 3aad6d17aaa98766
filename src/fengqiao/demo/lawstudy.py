"""Demo data of the law study: a weekly session (Wednesday 17:30, the case room hosting) for the last
twelve weeks with the station's 31 民警 and 41 辅警 — attendance signed by QR code, a few late, leave
and absences with their reasons — and a five-question quiz each week with scores; next week's
session is planned with its quiz ready. Bulk inserts; no reminders are sent for the past."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

TOPICS = [
    (
        "治安管理处罚法(2025年修订)总则与新增条款",
        "治安管理处罚法 第一条至第十条\n治安管理处罚法 第九十九条",
    ),
    (
        "行政案件办理程序:受案、调查取证与时限",
        "公安机关办理行政案件程序规定 第六十条\n公安机关办理行政案件程序规定 第一百六十五条",
    ),
    (
        "刑事案件立案审查与不予立案通知",
        "公安机关办理刑事案件程序规定 第一百七十四条\n公安机关办理刑事案件程序规定 第一百七十八条",
    ),
    ("传唤、继续盘问与询问查证时限", "治安管理处罚法 第九十四条\n人民警察法 第九条"),
    ("人民调解法与治安调解的适用范围", "人民调解法 第二十八条至第三十三条\n治安管理处罚法 第九条"),
    (
        "反电信网络诈骗法:预警劝阻与涉诈账户处置",
        "反电信网络诈骗法 第三十二条\n反电信网络诈骗法 第三十四条",
    ),
    ("个人信息保护法与公安数据使用规范", "个人信息保护法 第十三条\n个人信息保护法 第二十六条"),
    ("刑事强制措施:拘留、取保候审、监视居住", "刑事诉讼法 第八十二条\n刑事诉讼法 第六十七条"),
    (
        "扣押、先行登记保存与涉案财物管理",
        "公安机关办理行政案件程序规定 第一百零七条\n公安机关涉案财物管理若干规定",
    ),
    (
        "未成年人保护与询问未成年人的特别规定",
        "未成年人保护法 第一百一十条\n刑事诉讼法 第二百八十一条",
    ),
    ("道路交通安全违法行为处理程序", "道路交通安全法 第八十七条\n道路交通安全违法行为处理程序规定"),
    ("执法记录仪使用与现场执法视音频记录", "公安机关现场执法视音频记录工作规定"),
    ("消防安全检查与“九小场所”整治", "消防法 第五十三条"),
]
QUESTIONS = [
    ("传唤后询问查证的时间一般不超过多少小时?", ["4小时", "8小时", "12小时", "24小时"], 1),
    (
        "治安调解不适用于下列哪种情形?",
        ["邻里纠纷引起的殴打", "雇凶伤害他人", "轻微损毁财物", "民间纠纷引起的侮辱"],
        1,
    ),
    ("刑事立案审查一般应在接受案件后几日内作出决定?", ["1日", "3日", "7日", "15日"], 1),
    ("扣押物品的期限一般为多少日?", ["7日", "15日", "30日", "60日"], 2),
    (
        "当场处罚决定作出后应在多长时间内报所属公安机关备案?",
        ["12小时", "24小时", "48小时", "3日"],
        1,
    ),
    (
        "人民调解协议书自何时起生效?",
        ["双方签字或盖章之日", "调解员签字后次日", "司法确认之日", "送达之日"],
        0,
    ),
    ("当事人可在调解协议生效之日起多少日内申请司法确认?", ["15日", "30日", "60日", "90日"], 1),
    ("拘留后应当在多少小时内通知被拘留人家属?", ["12小时", "24小时", "48小时", "72小时"], 1),
]
EXCUSES = ["出警", "值班备勤", "休假", "外出培训", "病假", "押解任务"]
ABSENT_REASONS = ["未说明", "处置警情未及时请假", "忘记签到,已补学"]


def load(*, scale: int = 1, seed: int = 2026, log=print) -> dict[str, int]:
    from fengqiao.accounts.models import Station, User
    from fengqiao.lawstudy.models import Attendance, Question, Quiz, QuizAttempt, StudySession
    from fengqiao.lawstudy.services import expected_officers

    station = Station.objects.filter(code="511123-YJ").first()
    if station is None or StudySession.objects.filter(station=station).exists():
        return {}
    rng = random.Random(f"lawstudy-{seed}")
    tz = timezone.get_current_timezone()
    officers = list(expected_officers(station.pk))
    host = (
        User.objects.filter(station=station, role="case_manager").first()
        or User.objects.filter(station=station, role="station_leader").first()
    )
    today = timezone.localdate()
    last_wednesday = today - dt.timedelta(days=(today.weekday() - 2) % 7 or 7)
    weeks = [last_wednesday - dt.timedelta(weeks=n) for n in range(11, -1, -1)]
    # Most officers come nearly every week; a few are often away (shift work, the forward post).
    habit = {o.pk: (0.97 if rng.random() < 0.8 else 0.75) for o in officers}
    sessions, attendances, quizzes, questions, attempts = [], [], [], [], []
    with transaction.atomic():
        for i, day in enumerate(weeks + [last_wednesday + dt.timedelta(weeks=1)]):
            topic, articles = TOPICS[i % len(TOPICS)]
            starts = dt.datetime.combine(day, dt.time(17, 30), tzinfo=tz)
            planned = starts > timezone.now()
            sessions.append(
                StudySession(
                    station=station,
                    topic=topic,
                    starts_at=starts,
                    minutes=60,
                    place="新所三楼会议室",
                    host=host,
                    articles=articles,
                    material="学习要点已在微信群发送;请结合近期警情、案情讨论。",
                    status="planned" if planned else "closed",
                    closed_at=None if planned else starts + dt.timedelta(minutes=70),
                    created_by=host,
                    reminded_at=None if planned else starts - dt.timedelta(hours=24),
                    absentees_notified_at=None if planned else starts + dt.timedelta(minutes=70),
                )
            )
        StudySession.objects.bulk_create(sessions)
        for session in sessions:
            quizzes.append(
                Quiz(
                    session=session,
                    title=f"{session.topic} 小测验",
                    policy="one" if rng.random() < 0.6 else "best",
                    max_attempts=3,
                    pass_score=60,
                    open_days=7,
                )
            )
        Quiz.objects.bulk_create(quizzes)
        for quiz in quizzes:
            picked = rng.sample(QUESTIONS, 5)
            for order, (text, choices, answer) in enumerate(picked, start=1):
                questions.append(
                    Question(quiz=quiz, order=order, text=text, choices=choices, answer=answer)
                )
        Question.objects.bulk_create(questions)
        by_quiz = {}
        for q in questions:
            by_quiz.setdefault(q.quiz_id, []).append(q)
        for session, quiz in zip(sessions, quizzes, strict=True):
            if session.status != "closed":
                continue
            for officer in officers:
                r = rng.random()
                if r < habit[officer.pk]:
                    late = rng.random() < 0.06
                    signed = session.starts_at + dt.timedelta(
                        minutes=rng.uniform(12, 25) if late else rng.uniform(-12, 8)
                    )
                    attendances.append(
                        Attendance(
                            session=session,
                            officer=officer,
                            status="late" if late else "present",
                            signed_at=signed,
                            method="qr",
                        )
                    )
                    took = rng.random() < 0.9
                elif rng.random() < 0.65:
                    attendances.append(
                        Attendance(
                            session=session,
                            officer=officer,
                            status="excused",
                            method="manual",
                            reason=rng.choice(EXCUSES),
                            recorded_by=host,
                        )
                    )
                    took = rng.random() < 0.6
                else:
                    attendances.append(
                        Attendance(
                            session=session,
                            officer=officer,
                            status="absent",
                            method="close",
                            reason=rng.choice(ABSENT_REASONS),
                            recorded_by=host,
                        )
                    )
                    took = rng.random() < 0.4
                if took:
                    qs = by_quiz[quiz.pk]
                    skill = rng.uniform(0.55, 0.98)
                    tries = 1 if quiz.policy == "one" else rng.choice((1, 1, 2))
                    for number in range(1, tries + 1):
                        answers = {
                            str(q.pk): (
                                q.answer
                                if rng.random() < skill + 0.08 * (number - 1)
                                else (q.answer + 1) % len(q.choices)
                            )
                            for q in qs
                        }
                        right = sum(1 for q in qs if answers[str(q.pk)] == q.answer)
                        attempts.append(
                            QuizAttempt(
                                quiz=quiz,
                                officer=officer,
                                number=number,
                                answers=answers,
                                score=round(100 * right / len(qs)),
                                submitted_at=session.starts_at
                                + dt.timedelta(minutes=50, days=number - 1),
                            )
                        )
        Attendance.objects.bulk_create(attendances, batch_size=2000)
        QuizAttempt.objects.bulk_create(attempts, batch_size=2000)
    written = {
        "sessions": len(sessions),
        "attendances": len(attendances),
        "quiz_attempts": len(attempts),
    }
    return written
