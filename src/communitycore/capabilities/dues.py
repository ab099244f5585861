"""Party dues (党费, 中组发〔2008〕3号): bases, amounts, payments, arrears; declared with their settings."""

from __future__ import annotations

from communitycore.capabilities import Capability, lazy, lazy_default
from communitycore.domain.settings import SettingSpec, whole_number
from communitycore.i18n import N_

_DUES = "communitycore.domain.dues"




CAPABILITY = Capability(
    name="dues",
    label="党费",
    label_en="Party dues",
    api="communitycore.sdk.dues:DuesAPI",
    tables="communitycore.store.tables.dues",
    sections="communitycore.io.table_sections:DUES_SECTIONS",
    commands=("communitycore.cli.dues:dues",),
    labels={
        "month": ("月份", "Month"),
        "from": ("起始月份", "From"),
        "paid": ("已交", "Paid"),
        "paid_on": ("交纳日期", "Paid on"),
        "extra": ("自愿多交", "Voluntary extra"),
        "central": ("上交中央", "For the Central Committee"),
        "reduced": ("困难减免后金额", "Reduced amount"),
        "approval": ("批准情况", "Approval"),
        "category": ("类别", "Category"),
        "base": ("基数", "Base"),
        "rate": ("比例", "Rate"),
        "amount": ("金额", "Amount"),
        "base_kind": ("基数口径", "Base kind"),
        "refreshed": ("已重算人数", "Members worked out"),
        "unpaid_months": ("欠交月份", "Unpaid months"),
        "longest_run": ("最长连续欠交", "Longest run"),
        "lapse_flag": ("连续六个月未交", "Lapse flag"),
        # A category (``dues categories``)
        "code": ("类别代码", "Code"),
        "fixed": ("固定金额", "Fixed amount"),
        # What a payment and the arrears are given
        "on": ("交纳日期", "Paid on"),
        "months": ("月数", "Months"),
        "since": ("起始月份", "Since"),
        "through": ("截止月份", "Through"),
    },
    settings=(
        SettingSpec("dues-rounding", lazy(f"{_DUES}:parse_rounding"),
                    N_("how amounts are rounded to the fen (not stated by the sources; half-up)"),
                    defaults=lazy_default("dues-rounding", f"{_DUES}:DEFAULT_ROUNDING"),
                    describe=lazy(f"{_DUES}:describe_rounding")),
        SettingSpec("dues-retiree-base", lazy(f"{_DUES}:parse_retiree_base"),
                    N_("what the retirees' base is: total-pension (2008) or basic-pension (2017 notice)"),
                    defaults=lazy_default("dues-retiree-base", f"{_DUES}:DEFAULT_RETIREE_BASE"),
                    describe=lazy(f"{_DUES}:describe_retiree_base")),
        SettingSpec("dues-lapse-months", whole_number("months", 1, 24),
                    N_("consecutive unpaid months that flag a member (党章 §9: 6)"),
                    defaults=lazy_default("dues-lapse-months", f"{_DUES}:DEFAULT_LAPSE_MONTHS")),
    ),
    actions=("dues.read", "dues.record", "dues.update", "dues.import", "dues.export"),
    audited={
        "dues": ("党费", "dues"),
        "dues.record": ("登记党费交纳", "dues payment recorded"),
        "dues.update": ("修改党费记录", "dues updated"),
        "dues.import": ("导入党费台账", "dues imported"),
    },
)
