"""Study materials: a file is judged by its content, not its name; links go only to allowed hosts."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fengqiao.core.web import safe_next
from fengqiao.lawstudy import rules, services
from fengqiao.lawstudy.models import Material

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def _zip(names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


DOCX = _zip(["[Content_Types].xml", "word/document.xml"])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize(
    "name, data, ok",
    [
        ("治安管理处罚法.pdf", PDF, True),
        ("讲义.docx", DOCX, True),
        ("讲义.docx", _zip(["payload.exe"]), False),  # a ZIP, not a Word document
        ("截图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, True),
        ("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, True),
        ("视频.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, True),
        ("要点.txt", "第一条 为了维护社会治安秩序".encode(), True),
        ("要点.txt", HTML, False),
        ("讲义.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, True),
        ("讲义.doc", PDF, False),
        ("程序.exe", EXE, False),
    ],
)
def test_file_content_must_match_the_extension(name, data, ok):
    head = data[:4096]
    names = zipfile.ZipFile(io.BytesIO(data)).namelist() if data.startswith(b"PK") else None
    assert (rules.material_file_problem(name, head, names) is None) is ok


def test_an_html_page_named_pdf_is_refused_with_a_clear_message(session, alice):
    upload = SimpleUploadedFile("通知.pdf", HTML, content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        services.material_add(actor=alice, session=session, title="通知", file=upload)
    message = caught.value.message_dict["file"][0]
    assert "不是PDF文件" in message and "HTML" in message
    assert not Material.objects.exists()


def test_a_program_named_pdf_is_refused_through_the_page(alice_client, session):
    upload = SimpleUploadedFile("学习资料.pdf", EXE, content_type="application/pdf")
    response = alice_client.post(
        f"/lawstudy/{session.pk}/materials/", {"title": "资料", "file": upload}, follow=True
    )
    assert "可执行程序" in response.content.decode()
    assert not Material.objects.exists()


def test_a_real_pdf_is_kept_and_downloads_as_an_attachment(alice_client, session, alice):
    upload = SimpleUploadedFile("法条.pdf", PDF, content_type="application/pdf")
    material = services.material_add(actor=alice, session=session, title="法条", file=upload)
    response = alice_client.get(f"/lawstudy/materials/{material.pk}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://flk.npc.gov.cn/detail.html?id=1", True),
        ("https://evil.example.com/phish", False),
        ("https://flk.npc.gov.cn.evil.example.com/", False),
        ("https://flk.npc.gov.cn@evil.example.com/", False),
        ("javascript:alert(1)", False),
        ("https://sub.court.gov.cn/", True),  # *.court.gov.cn below
    ],
)
def test_link_hosts(url, ok):
    assert rules.link_host_allowed(url, ["flk.npc.gov.cn", "*.court.gov.cn"]) is ok


def test_a_link_to_another_host_is_refused(session, alice, settings):
    settings.LAWSTUDY_LINK_HOSTS = ["flk.npc.gov.cn"]
    with pytest.raises(ValidationError) as caught:
        services.material_add(
            actor=alice, session=session, title="法条", url="https://evil.example.com/login"
        )
    assert "flk.npc.gov.cn" in caught.value.message_dict["url"][0]
    services.material_add(
        actor=alice, session=session, title="法条", url="https://flk.npc.gov.cn/x"
    )


def test_a_stored_link_to_a_host_no_longer_allowed_is_not_followed(alice_client, session, settings):
    """No open redirect: the link view checks the host again when it is followed."""
    material = Material.objects.create(
        session=session, title="旧链接", url="https://evil.example.com/"
    )
    response = alice_client.get(f"/lawstudy/materials/{material.pk}/")
    assert response.status_code == 403 and "evil.example.com" not in response.get("Location", "")
    settings.LAWSTUDY_LINK_HOSTS = ["evil.example.com"]
    assert (
        alice_client.get(f"/lawstudy/materials/{material.pk}/")["Location"]
        == "https://evil.example.com/"
    )


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/desk/", "/desk/"),
        ("https://evil.example.com/", "/home/"),
        ("//evil.example.com/", "/home/"),
        ("", "/home/"),
    ],
)
def test_safe_next_stays_on_the_site(rf, target, expected):
    request = rf.post("/", {"next": target})
    assert safe_next(request, "/home/") == expected
