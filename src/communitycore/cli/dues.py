"""``community dues``: Party dues (党费): bases, amounts, payments, arrears and the 台账.

JSON shapes (see docs/json.md): ``amount`` prints ``{"member_id", "month", "category",
"category_label", "base", "rate", "amount", "rule", "paid", "base_kind", "base_kind_label"}``
(amounts as strings with two decimals, ``"15.00"``); ``arrears`` one object per member
``{"member_id", "name", "unit_id", "unit", "unpaid_months", "longest_run", "lapse_flag"}``; ``pay``
the payments recorded; ``set-base`` the base. Text output shows the category and the base kind by
their labels in the language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from communitycore.cli.params import PLAIN_ID, page_options
from communitycore.cli.render import emit, fetch_page, more_follow, output_options, progress_bar, shown, state
from communitycore.i18n import N_, _

AMOUNT_COLUMNS = ("member_id", "month", "category", "base", "rate", "amount", "paid", "base_kind")
ARREARS_COLUMNS = ("member_id", "name", "unit", "longest_run", "lapse_flag", "unpaid_months")
PAYMENT_COLUMNS = ("id", "member_id", "month", "amount", "paid_on", "extra", "central")


@click.group("dues")
def dues() -> None:
    """Party dues (党费, 中组发〔2008〕3号): categories, set-base, amount, pay, import, arrears, ledger.

    \b
    MEMBER is a member id; months are written YYYY-MM (2025-03, 2025年3月); amounts in 元 with
    at most two decimals. Categories: employed (在职), annual-salary (年薪制), self-employed
    (个体经营者), retired (离退休), student (学生), unemployed (下岗失业), relief (抚恤/救济),
    low-income (低保), farmer (农民).
    """


@dues.command("categories")
@output_options
def categories() -> None:
    """The dues categories and their rules."""
    rows = [{"code": c.code, "label": c.label, "label_en": c.label_en,
             "bands": [{"up_to": u or None, "rate": r} for u, r in c.bands], "fixed": c.fixed, "source": c.source}
            for c in state().community.dues.categories()]
    emit(rows, columns=("code", "label", "fixed", "source"))


@dues.command("set-base")
@click.argument("member_id", metavar="MEMBER", type=PLAIN_ID)
@click.option("--category", required=True, help=N_("The dues category (code or Chinese label)."))
@click.option("--base", help=N_("The monthly base in 元 (after tax; for retirees see dues-retiree-base)."))
@click.option("--from", "from_month", metavar="YYYY-MM", required=True,
              help=N_("The month the new pay is received."))
@click.option("--reduced", help=N_("A hardship reduction: the monthly amount approved instead."))
@click.option("--approval", help=N_("The approval of the reduction (who, when)."))
@output_options
def set_base(member_id: int, category: str, base: str | None, from_month: str, reduced: str | None,
             approval: str | None) -> None:
    """Set a member's category and monthly base from a month on."""
    done = state().community.dues.set_base(member_id, category=category, base=base, from_month=from_month,
                                           reduced=reduced, approval=approval)
    emit(shown(done))


@dues.command("amount")
@click.argument("member_id", metavar="MEMBER", type=PLAIN_ID)
@click.option("--month", metavar="YYYY-MM", help=N_("The month (default: this month)."))
@output_options
def amount(member_id: int, month: str | None) -> None:
    """What a member owes for a month, with the rule applied."""
    emit(shown(state().community.dues.amount(member_id, month=month)), columns=AMOUNT_COLUMNS)


@dues.command("pay")
@click.argument("member_id", metavar="MEMBER", type=PLAIN_ID)
@click.option("--month", metavar="YYYY-MM", required=True, help=N_("The (first) month paid for."))
@click.option("--months", type=click.IntRange(1, 60), default=1, show_default=True,
              help=N_("Months paid for at once; the amount is split evenly."))
@click.option("--amount", "paid", required=True, help=N_("The amount paid in 元 (for all the months)."))
@click.option("--on", metavar="YYYY-MM-DD", help=N_("The day it was paid (default: today)."))
@click.option("--extra", is_flag=True, help=N_("A voluntary extra payment (自愿多交)."))
@output_options
def pay(member_id: int, month: str, months: int, paid: str, on: str | None, extra: bool) -> None:
    """Record a payment."""
    done = state().community.dues.pay(member_id, month=month, months=months, amount=paid, on=on, extra=extra)
    emit(shown(done), columns=PAYMENT_COLUMNS)


@dues.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_options
def import_(path: Path) -> None:
    """Import payments from .csv or .xlsx (党员编号 or 公民身份号码, 月份, 金额, 交纳日期): all rows or none."""
    count = state().community.dues.import_payments(path)
    emit({"imported": count})


@dues.command("arrears")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@click.option("--through", metavar="YYYY-MM", help=N_("The last month counted (default: last month)."))
@click.option("--flagged", is_flag=True, help=N_("Only members flagged by the lapse rule (党章 §9)."))
@page_options()
@output_options
def arrears(unit: str | None, through: str | None, flagged: bool, limit: int, after: int | None) -> None:
    """Unpaid months per member, by member id, and who has gone the lapse months without paying (党章 §9)."""
    api = state().community.dues
    found, more = fetch_page(lambda n: api.arrears(unit=unit, through=through, flagged_only=flagged, limit=n,
                                                   after=after), limit)
    emit(shown(found), columns=ARREARS_COLUMNS)
    more_follow(more, N_("(more members are in arrears: the next page is --after {id}; --limit 0 shows all)"),
                id=found[-1].member_id if found else None)


@dues.command("refresh")
@click.option("--unit", metavar="UNIT", help=N_("Only this unit's subtree."))
@output_options
def refresh(unit: str | None) -> None:
    """Work out every member's dues standing again from their payments.

    \b
    Payments and bases keep it up to date as they are recorded; run this once after an
    upgrade, a restore, or a pack that changes the dues table, so arrears read it instead of
    every payment.
    """
    app = state()
    bar: Any = None
    started = False

    def progress(done: int, total: int) -> None:
        nonlocal bar, started
        if app.as_json:
            return
        if not started:
            bar, started = progress_bar(total, _("members worked out")), True
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        count = app.community.dues.refresh(unit=unit, progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    emit({"refreshed": count})


@dues.command("ledger")
@click.option("--unit", metavar="UNIT", required=True, help=N_("The unit whose subtree is listed."))
@click.option("--period", required=True, help=N_("The period, e.g. 2025."))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The file to write: .xlsx or .csv."))
def ledger(unit: str, period: str, out: Path) -> None:
    """Write the 党费收缴台账: the amount each member paid in each month of the period."""
    written = state().community.dues.ledger(unit, period, out)
    click.echo(_("wrote {path}").format(path=written))
