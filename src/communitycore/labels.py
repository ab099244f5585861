"""Display labels of field names, in Chinese and English: one table for every command's headers.

The CLI prints these as table headers and key/value labels (Chinese by default, English with
``--lang en``); JSON output keeps the field names themselves, which are the stable interface.
A capability labels its own fields in its declaration (``Capability.labels``).
"""

from __future__ import annotations

from collections.abc import Mapping

from communitycore import capabilities

#: Field name -> (中文, English).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    # Shared
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "kind": ("类别", "Kind"),
    "kind_label": ("类别名称", "Kind label"),
    "path": ("路径", "Path"),
    "depth": ("层级", "Depth"),
    "unit": ("所在党组织", "Unit"),
    "unit_id": ("党组织编号", "Unit ID"),
    "address": ("地址", "Address"),
    "contact": ("联系方式", "Contact"),
    "provider": ("来源插件", "Provided by"),
    "label": ("名称", "Label"),
    "out": ("输出文件", "Output file"),
    # Organization units
    "parent_id": ("上级编号", "Parent ID"),
    "parent": ("上级党组织", "Parent"),
    "code": ("组织代码", "Code"),
    "approved_by": ("批准机关", "Approved by"),
    "approved_on": ("批准日期", "Approved on"),
    "term_start": ("任期开始", "Term start"),
    "term_end": ("任期届满", "Term end"),
    "covered_units": ("覆盖单位数", "Covered units"),
    "children": ("下级党组织数", "Sub-units"),
    "parents": ("可隶属于", "May sit under"),
    "removed_unit_ids": ("已删除党组织", "Removed units"),
    # Compounds and partners
    "tier": ("小区类型", "Property tier"),
    # Members
    "gender": ("性别", "Gender"),
    "ethnicity": ("民族", "Ethnicity"),
    "birth_date": ("出生日期", "Birth date"),
    "age": ("年龄", "Age"),
    "id_number": ("公民身份号码", "ID number"),
    "phone": ("联系电话", "Phone"),
    "education": ("学历", "Education"),
    "join_date": ("入党日期", "Join date"),
    "full_date": ("转正日期", "Full-member date"),
    "category": ("党员类别", "Category"),
    "standing": ("党籍状态", "Standing"),
    "post": ("党内职务", "Party post"),
    "employer": ("工作单位", "Employer"),
    "in_service": ("在职党员", "In service"),
    "revealed": ("已显示个人信息", "Personal data shown"),
    "probation_ended": ("预备期满日期", "Probation ended"),
    "member_id": ("党员编号", "Member ID"),
    "member": ("党员", "Member"),
    # The member lifecycle; a meeting's, an event's status too, so not 在册状态
    "status": ("状态", "Status"),
    "removed_on": ("减少日期", "Removed on"),
    "removal_reason": ("减少原因", "Removal reason"),
    "removed_to": ("转往党组织", "Transferred to"),
    "probation_extension_months": ("延长预备期（月）", "Probation extended (months)"),
    "probation_end": ("预备期满日期", "Probation ends"),
    "deleted": ("已删除记录", "Record deleted"),
    # Residents and households
    "flags": ("标签", "Flags"),
    "household_id": ("住户编号", "Household ID"),
    "compound_id": ("小区编号", "Compound ID"),
    "compound": ("小区", "Compound"),
    "building": ("楼栋", "Building"),
    "room": ("房号", "Room"),
    # Transfers and 双报到
    "from_unit_id": ("转出党组织编号", "From unit ID"),
    "from_unit": ("转出党组织", "From unit"),
    "to_unit_id": ("转入党组织编号", "To unit ID"),
    "to_unit": ("转入党组织", "To unit"),
    "transferred_on": ("转接日期", "Transferred on"),
    "reason": ("原因", "Reason"),
    "community_unit_id": ("报到社区编号", "Community unit ID"),
    "community": ("报到社区", "Community"),
    "reported_on": ("报到日期", "Reported on"),
    "channel": ("报到方式", "Channel"),
    "transfers": ("组织关系转接记录", "Transfers"),
    "registrations": ("双报到记录", "Community registrations"),
    # Roll-up statistics
    "units": ("党组织数", "Units"),
    "members": ("党员数", "Members"),
    "full": ("正式党员", "Full members"),
    "probationary": ("预备党员", "Probationary members"),
    "by_gender": ("性别构成", "By gender"),
    "by_education": ("学历构成", "By education"),
    "average_age": ("平均年龄", "Average age"),
    "cadres": ("委员（干部）数", "Cadres"),
    "cadres_associate_or_above": ("大专及以上委员数", "Cadres with associate degree or above"),
    "cadres_associate_or_above_share": ("委员大专及以上占比", "Share of cadres with associate degree or above"),
    "cadre_average_age": ("委员平均年龄", "Cadres' average age"),
    "secretaries": ("书记数", "Secretaries"),
    "secretaries_associate_or_above": ("大专及以上书记数", "Secretaries with associate degree or above"),
    "secretaries_associate_or_above_share": ("书记大专及以上占比",
                                             "Share of secretaries with associate degree or above"),
    # Structure findings
    "rule": ("规则", "Rule"),
    "severity": ("严重程度", "Severity"),
    "message": ("问题", "Finding"),
    "suggestion": ("建议", "Suggestion"),
    # Settings
    "key": ("设置项", "Setting"),
    "value": ("值", "Value"),
    "source": ("来源", "Source"),
    "source_unit_id": ("来源党组织编号", "Source unit ID"),
    # Audit trail
    "at": ("时间", "Time"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "entity": ("对象类型", "Entity"),
    "entity_id": ("对象编号", "Entity ID"),
    "before": ("变更前", "Before"),
    "after": ("变更后", "After"),
    "note": ("备注", "Note"),
    # Database
    "db": ("数据库", "Database"),
    "revision": ("结构版本", "Schema revision"),
    "head": ("最新版本", "Latest revision"),
    "up_to_date": ("已是最新", "Up to date"),
    "imported": ("已导入", "Imported"),
    "file": ("文件", "File"),
    "created": ("本次新建", "Created now"),
    "added": ("新增", "Added"),
    "updated": ("更新", "Updated"),
    "checked": ("仅校验", "Checked only"),
    "rows": ("行数", "Rows"),
}

#: Words the CLI prints besides field names: value -> (中文, English).
WORDS: dict[str, tuple[str, str]] = {
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
    "default": ("默认值", "default"),
    "none_found": ("（无）", "(none)"),
    "rows_read": ("已读取行数", "rows read"),
    # What a plugin is and how it stands (`community plugins`)
    "builtin": ("内置", "builtin"),
    "pack": ("配置包", "pack"),
    "blocked": ("已停用", "blocked"),
    "not-loaded": ("未加载", "not loaded"),
    "failed": ("加载失败", "failed"),
    # The record families a plugin contributes
    "unit_kinds": ("党组织类别", "unit kinds"),
    "meeting_types": ("会议类型", "meeting types"),
    "service_categories": ("服务类别", "service categories"),
    "service_programs": ("服务项目", "service programmes"),
    "scoring_schemes": ("考核方案", "scoring schemes"),
    "roster_programs": ("队伍", "rosters"),
    "facts": ("台账事实", "facts"),
    "roles": ("角色", "roles"),
    "recruitment_steps": ("发展党员步骤", "recruitment steps"),
    "dues_categories": ("党费类别", "dues categories"),
    "workflow_states": ("流程状态", "workflow states"),
    "workflow_transitions": ("流程转换", "workflow transitions"),
}


def label(field: str, lang: str = "zh", own: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The header label of ``field`` in ``lang`` (``zh`` or ``en``); unknown fields show their name.

    Shared fields are labelled here; a capability labels its own fields in its declaration. ``own``,
    the labels of the capability whose output this is, wins: a field's name can mean another thing
    there (a service's ``category`` is 服务类别, a member's 党员类别).
    """
    pair = ((own or {}).get(field) or FIELD_LABELS.get(field)
            or capabilities.field_labels(capabilities.declared()).get(field))
    if pair is None:
        return field
    return pair[1] if lang == "en" else pair[0]


def word(key: str, lang: str = "zh") -> str:
    """A word of :data:`WORDS` in ``lang``; an unknown key is returned as it is."""
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


__all__ = ["FIELD_LABELS", "WORDS", "label", "word"]
