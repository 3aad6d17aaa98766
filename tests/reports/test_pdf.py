"""PDFs embed the CJK font of PDF_CJK_FONT (the 调解协议书 too); a missing font falls back, or raises
when asked to be strict."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from fengqiao.core import pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_fonts():
    pdf._registered.clear()
    yield
    pdf._registered.clear()


def test_the_mediation_agreement_pdf_embeds_the_font(demo):
    from fengqiao.disputes import documents
    from fengqiao.disputes.models import Agreement

    agreement = Agreement.objects.filter(dispute__station=demo).first()
    assert agreement is not None
    content = documents.agreement_pdf(agreement)
    assert content.startswith(b"%PDF")
    assert b"/FontFile2" in content  # a TrueType font program inside the file
    assert b"STSong-Light" not in content


def test_a_missing_font_file_falls_back_with_a_warning(settings, caplog):
    settings.PDF_CJK_FONT = "/nonexistent/font.ttc"
    with caplog.at_level(logging.WARNING, logger="fengqiao.core.pdf"):
        assert pdf.cjk_font() == pdf.FALLBACK_NAME
    assert "PDF_CJK_FONT" in caplog.text and "/nonexistent/font.ttc" in caplog.text
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-zenhei"):
        pdf.cjk_font(strict=True)


def test_the_default_font_is_debians_wqy_zenhei(settings):
    assert settings.PDF_CJK_FONT.endswith("wqy-zenhei.ttc")
    assert pdf.cjk_font(strict=True) == pdf.EMBEDDED_NAME
