"""The activity ledger (活动台账): what subjects did, fact by fact, append-only; the values of facts over periods."""

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="activity",
    label="活动台账",
    label_en="Activity ledger",
    api="communitycore.sdk.activity:ActivityAPI",
    tables="communitycore.store.tables.activity",
    sections="communitycore.io.sections:ACTIVITY_SECTIONS",
    unit_links="communitycore.store.tables.activity:UNIT_LINKS",
    commands=("communitycore.cli.activity:activity",),
    labels={
        "subject_kind": ("对象类型", "Subject kind"),
        "subject_id": ("对象编号", "Subject ID"),
        "fact": ("事实", "Fact"),
        "occurred_on": ("日期", "Date"),
        "quantity": ("数量", "Quantity"),
        "source_kind": ("来源类型", "Source kind"),
        "source_id": ("来源编号", "Source ID"),
        "recorder": ("记录人", "Recorded by"),
        "reverses": ("冲销记录", "Reverses"),
        "recorded_at": ("记录时间", "Recorded at"),
        # What one entry is given (``activity add``)
        "entry": ("台账记录", "Ledger entry"),
        "entries": ("台账记录", "Ledger entries"),
        "on": ("日期", "Date"),
    },
    actions=("activity.read", "activity.record", "activity.import"),
    audited={
        "activity": ("台账记录", "ledger entry"),
        "activity.record": ("记入台账", "ledger entry recorded"),
        "activity.reverse": ("冲销台账记录", "ledger entry reversed"),
        "activity.import": ("导入台账", "ledger imported"),
    },
)
