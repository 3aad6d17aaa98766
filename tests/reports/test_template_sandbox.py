"""Attack: code execution through a station's uploaded Word template (issue 19, item 1).

Each payload would run `touch <marker>` (or read the server's environment) under docxtpl's default
Jinja environment. It must be refused at upload with a Chinese reason, and a template written straight
into the database (bypassing the upload check) must fail in the sandbox, on demand and in the
scheduled job, without running anything. The .docx files are built here, none is committed."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from jinja2.exceptions import SecurityError, UndefinedError

from fengqiao.reports import documents, services
from fengqiao.reports.choices import ReportStatus
from fengqiao.reports.models import Report, ReportTemplate

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)

PAYLOADS = {
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler_globals": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "lipsum_globals": "{{ lipsum.__globals__['os'].popen('touch MARKER') }}",
    "getitem_dunder": "{{ title['__class__']['__mro__'] }}",
    "attr_filter": "{{ title|attr('__class__') }}",
    "joined_name": "{% set n = '_' ~ '_class__' %}{{ title[n] }}",
    "namespace": "{% for r in figures %}{{ r.__class__ }}{% endfor %}",
    "call": "{{ title.format(title) }}",
    "include": "{% include 'MARKER' %}",
    "autoescape_off": "{% autoescape false %}{{ title }}{% endautoescape %}",
    "power": "{{ 9 ** 9 ** 9 }}",
    "self_ref": "{{ self.__init__.__globals__ }}",
}


def _docx(body: str = "", header: str = "", core_title: str = "") -> bytes:
    """A Word file with `body` split over several runs (as Word stores typed text)."""
    from docx import Document

    doc = Document()
    paragraph = doc.add_paragraph()
    third = max(1, len(body) // 3)
    for i in range(0, len(body), third):
        paragraph.add_run(body[i : i + third]).bold = i % 2 == 0
    if header:
        doc.sections[0].header.paragraphs[0].text = header
    if core_title:
        doc.core_properties.title = core_title
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a template ran a shell command"


def _payload(name, marker):
    return PAYLOADS[name].replace("MARKER", str(marker))


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_malicious_template_is_refused_at_upload(station, alice, marker, name):
    with pytest.raises(ValidationError) as info:
        services.template_upload(
            actor=alice,
            station=station,
            kind="monthly",
            content=_docx(_payload(name, marker)),
            filename="evil.docx",
        )
    assert "模板" in " ".join(info.value.messages)
    assert not ReportTemplate.objects.exists()


@pytest.mark.parametrize("where", ["header", "core_title"])
def test_the_payload_is_found_outside_the_body(station, alice, marker, where):
    content = _docx("{{ title }}", **{where: _payload("cycler_globals", marker)})
    with pytest.raises(ValidationError, match="不安全"):
        services.template_upload(
            actor=alice, station=station, kind="weekly", content=content, filename="e.docx"
        )


def test_the_upload_page_refuses_it_with_a_chinese_reason(alice_client, marker):
    upload = ContentFile(_docx(_payload("subclasses", marker)), name="evil.docx")
    response = alice_client.post(
        reverse("reports:templates"), {"kind": "monthly", "file": upload, "note": ""}
    )
    assert response.status_code == 400
    assert "模板含有不安全的内容,已拒绝" in response.content.decode()
    assert not ReportTemplate.objects.exists()


def _plant(station, alice, body):
    """A template written straight into the table, as if the upload check had been bypassed."""
    template = ReportTemplate(
        station=station, kind="weekly", version=1, filename="x.docx", uploaded_by=alice
    )
    template.file.save("weekly-v1.docx", ContentFile(_docx(body)), save=False)
    template.save()
    return template


@pytest.mark.parametrize("name", ["subclasses", "cycler_globals", "lipsum_globals", "joined_name"])
def test_a_planted_template_raises_security_error_when_rendered(marker, name):
    with pytest.raises(SecurityError):
        documents.report_docx(documents.sample_data(), _docx(_payload(name, marker)))


def test_the_runtime_sandbox_holds_even_without_the_source_check(marker, monkeypatch):
    """Second wall: with the AST check switched off, the sandbox itself refuses `_` and calls, and
    the globals the known payloads start from are gone."""
    monkeypatch.setattr(documents, "template_source_check", lambda tree: None)
    for name in ("subclasses", "cycler_globals", "lipsum_globals", "joined_name", "call"):
        with pytest.raises(Exception) as info:
            documents.report_docx(documents.sample_data(), _docx(_payload(name, marker)))
        assert isinstance(info.value, SecurityError | UndefinedError), (name, info.value)


def test_the_scheduled_job_fails_a_planted_template_and_runs_nothing(
    station, alice, scheme, marker
):
    _plant(station, alice, "{{ title }}" + _payload("cycler_globals", marker))
    ids = services.scheduled("weekly", today=DAY)
    report = Report.objects.get(pk__in=ids, station=station)
    assert report.status == ReportStatus.FAILED
    assert "下划线开头的名称" in report.error
    assert not report.docx


def test_the_shipped_template_still_renders_text_with_xml_characters():
    from docx import Document

    data = documents.sample_data() | {"summary": "甲<乙> & 丙"}
    text = "\n".join(p.text for p in Document(io.BytesIO(documents.report_docx(data))).paragraphs)
    assert "甲<乙> & 丙" in text
