import datetime as dt

from fengqiao.lawstudy import rules

QUIZ = """1. 传唤询问查证一般不超过?
A. 4小时
B. 8小时 *
C. 24小时

2. 治安调解适用于?
A. 寻衅滋事
B. 民间纠纷引起的轻微伤害 *
"""


def test_sign_in_late_after_the_grace_minutes():
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    assert rules.sign_in_status(start + dt.timedelta(minutes=10), start, 10) == "present"
    assert rules.sign_in_status(start + dt.timedelta(minutes=11), start, 10) == "late"


def test_quiz_text_parses_and_round_trips():
    questions, errors = rules.parse_quiz(QUIZ)
    assert not errors and len(questions) == 2
    assert questions[0].choices == ["4小时", "8小时", "24小时"] and questions[0].answer == 1
    again, _ = rules.parse_quiz(rules.quiz_text(questions))
    assert [(q.text, q.choices, q.answer) for q in again] == [
        (q.text, q.choices, q.answer) for q in questions
    ]


def test_quiz_text_errors_name_the_line():
    _, errors = rules.parse_quiz("1. 题目\nA. 甲\nB. 乙\n随便写的")
    assert any("第4行" in e for e in errors) and any("第1题" in e and "*" in e for e in errors)
    _, errors = rules.parse_quiz("1. 题目\nA. 甲 *")
    assert any("至少要有两个选项" in e for e in errors)


def test_score_and_attendance_rate():
    assert rules.score({1: 0, 2: 1}, {1: 0, 2: 0}) == 50
    assert rules.attendance_rate(3, 1, 1, 5) == 80.0
    assert rules.attendance_rate(0, 0, 0, 2) is None
