"""The national dues table (党费): 中组发〔2008〕3号, domain-rules §4.

Bands are ``(upper bound, rate %)``, the upper bound inclusive (``以下(含3000)``); ``""`` is no
bound. The retirees' base (total pension per 2008, basic pension per 组电明字〔2017〕5号) is the
setting ``dues-retiree-base``; the farmers' amount is the province's, 0.2 元 until a pack sets it.
"""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import DuesCategory, Fact

_SOURCE = "中组发〔2008〕3号"
_EMPLOYED = (("3000", "0.5"), ("5000", "1"), ("10000", "1.5"), ("", "2"))


@hookimpl(trylast=True)
def communitycore_register_dues_categories() -> list[DuesCategory]:
    """The nine national categories."""
    return [
        DuesCategory(code="employed", label="在职", label_en="employed", bands=_EMPLOYED, source=f"{_SOURCE} §1–2"),
        DuesCategory(code="annual-salary", label="年薪制", label_en="annual salary", bands=_EMPLOYED,
                     source=f"{_SOURCE} §3"),
        DuesCategory(code="self-employed", label="个体经营者", label_en="self-employed", bands=_EMPLOYED,
                     source=f"{_SOURCE} §4"),
        DuesCategory(code="retired", label="离退休", label_en="retired", aliases=("退休", "离休"),
                     bands=(("5000", "0.5"), ("", "1")), source=f"{_SOURCE} §5; 组电明字〔2017〕5号"),
        DuesCategory(code="student", label="学生", label_en="student", fixed="0.20", source=f"{_SOURCE} §6"),
        DuesCategory(code="unemployed", label="下岗失业", label_en="unemployed", aliases=("失业",), fixed="0.20",
                     source=f"{_SOURCE} §6"),
        DuesCategory(code="relief", label="抚恤/救济", label_en="relief", aliases=("抚恤", "救济"), fixed="0.20",
                     source=f"{_SOURCE} §6"),
        DuesCategory(code="low-income", label="低保", label_en="low income", fixed="0.20", source=f"{_SOURCE} §6"),
        DuesCategory(code="farmer", label="农民", label_en="farmer", fixed="0.20",
                     source=f"{_SOURCE} §6 (0.2–1 元)"),
    ]


@hookimpl(trylast=True)
def communitycore_register_facts() -> list[Fact]:
    """What dues write to the ledger: months paid on time and months in arrears, per member."""
    return [
        Fact(code="dues-on-time", label="按时交纳党费", label_en="dues on time", subject="member"),
        Fact(code="dues-arrears", label="欠交党费", label_en="dues in arrears", subject="member"),
    ]
