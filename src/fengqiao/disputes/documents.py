"""The printable 调解协议书, as Word (python-docx) and PDF (reportlab, with the CJK TrueType font of
settings.PDF_CJK_FONT embedded, see core/pdf.py).

Both are built from one list of blocks (`agreement_blocks`): the parties, the facts and issues, the
terms with how and by when each is performed, the 司法确认 notice, the copies (one per party plus one
kept by the mediation organisation) and the signature lines.
"""

from __future__ import annotations

import io

from fengqiao.core.masking import mask_id_number, mask_phone
from fengqiao.disputes.choices import AgreementForm

TITLE = "人民调解协议书"


def _party_line(party) -> str:
    bits = [f"{party.get_role_display()}:{party.name}"]
    if party.id_number:
        bits.append(f"证件号码 {mask_id_number(party.id_number)}")
    if party.phone:
        # Masked as the ID number is: the document is downloaded by every role that sees the
        # dispute (a mediator, an auditor), and a printed copy travels (issue 19).
        bits.append(f"联系电话 {mask_phone(party.phone)}")
    return ",".join(bits)


def copies_count(agreement) -> int:
    """One copy per party and one kept by the mediation organisation."""
    return agreement.dispute.parties.count() + 1


def agreement_blocks(agreement) -> list[tuple[str, str]]:
    """(kind, text) blocks in order; kind is title | subtitle | heading | para | sign."""
    dispute = agreement.dispute
    parties = list(dispute.parties.all())
    terms = list(agreement.terms.select_related("obligor"))
    channel = agreement.channel.name if agreement.channel_id else "人民调解"
    mediators = "、".join(
        x
        for x in [
            agreement.mediator.full_name if agreement.mediator_id else "",
            agreement.other_mediators,
        ]
        if x
    )
    blocks: list[tuple[str, str]] = [("title", TITLE), ("subtitle", f"编号:{dispute.reference}")]
    if agreement.form == AgreementForm.ORAL:
        blocks.append(("subtitle", "(口头协议记录)"))
    blocks.append(("heading", "一、当事人"))
    blocks += [("para", _party_line(p)) for p in parties]
    blocks.append(("heading", "二、纠纷主要事实、争议事项"))
    blocks.append(("para", agreement.facts or dispute.narrative))
    if agreement.issues:
        blocks.append(("para", f"争议事项:{agreement.issues}"))
    blocks.append(("heading", "三、经调解,自愿达成如下协议"))
    if agreement.oral_content:
        blocks.append(("para", agreement.oral_content))
    for i, t in enumerate(terms, start=1):
        who = f"{t.obligor.name}" if t.obligor_id else "当事人"
        how = f",履行方式:{t.how}" if t.how else ""
        blocks.append(("para", f"{i}. {t.what}。由{who}于{t.due_date:%Y年%m月%d日}前履行{how}。"))
    blocks.append(("heading", "四、履行方式、时限"))
    if terms:
        last = max(t.due_date for t in terms)
        blocks.append(
            (
                "para",
                f"以上各项按所列方式和期限履行,全部履行期限至{last:%Y年%m月%d日}。"
                "调解组织将对协议履行情况进行回访。",
            )
        )
    else:
        blocks.append(("para", "协议自生效之日起即时履行。"))
    blocks.append(("heading", "五、其他"))
    blocks.append(
        (
            "para",
            f"本协议自{agreement.effective_date:%Y年%m月%d日}起生效,对双方当事人具有法律约束力,"
            "当事人应当按照约定履行。",
        )
    )
    blocks.append(("para", "双方当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"))
    blocks.append(
        ("para", f"本协议一式{copies_count(agreement)}份,当事人各执一份,调解组织留存一份。")
    )
    blocks.append(("heading", "签字"))
    for p in parties:
        signed = "(已签字)" if agreement.signed_parties.filter(pk=p.pk).exists() else ""
        blocks.append(
            ("sign", f"当事人({p.get_role_display()}):{p.name}{signed}    签字:__________")
        )
    blocks.append(("sign", f"调解员:{mediators or '__________'}    签字:__________"))
    blocks.append(("sign", f"调解组织:{channel}(盖章)"))
    blocks.append(("sign", f"{agreement.reached_on:%Y年%m月%d日}"))
    return blocks


def agreement_docx(agreement) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for kind, text in agreement_blocks(agreement):
        if kind == "title":
            p = doc.add_paragraph()
            run = p.add_run(text)
            run.bold, run.font.size = True, Pt(20)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "subtitle":
            doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            doc.add_paragraph().add_run(text).bold = True
        elif kind == "sign":
            doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def agreement_pdf(agreement) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    from fengqiao.core.pdf import cjk_font

    font = cjk_font()
    styles = {
        "title": ParagraphStyle(
            "t", fontName=font, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=6
        ),
        "subtitle": ParagraphStyle(
            "s", fontName=font, fontSize=11, leading=16, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle("h", fontName=font, fontSize=13, leading=20, spaceBefore=8),
        "para": ParagraphStyle(
            "p", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=24
        ),
        "sign": ParagraphStyle("g", fontName=font, fontSize=12, leading=24, alignment=TA_RIGHT),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE} {agreement.dispute.reference}",
    )
    story = []
    for kind, text in agreement_blocks(agreement):
        if kind == "heading":
            story.append(Spacer(1, 4))
        story.append(Paragraph(escape(text), styles[kind]))
    doc.build(story)
    return out.getvalue()
