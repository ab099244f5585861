"""The six service categories of the 红色管家 case study."""

from __future__ import annotations

from communitycore.plugins.markers import hookimpl
from communitycore.records import ServiceCategory


@hookimpl(trylast=True)
def communitycore_register_service_categories() -> list[ServiceCategory]:
    """维修维护, 爱心帮扶, 信息咨询, 文化娱乐, 应急处理, 矛盾调处."""
    return [
        ServiceCategory(code="maintenance", label="维修维护", label_en="maintenance",
                        description="亮化、硬化、绿化、美化"),
        ServiceCategory(code="care", label="爱心帮扶", label_en="care",
                        description="救助老、幼、病、残等弱势群体"),
        ServiceCategory(code="consulting", label="信息咨询", label_en="consulting",
                        description="金融、教育、医疗、法律、旅游等方面咨询"),
        ServiceCategory(code="culture", label="文化娱乐", label_en="culture",
                        description="国学文化、乒乓球室、图书室等文娱场所"),
        ServiceCategory(code="emergency", label="应急处理", label_en="emergency",
                        description="协调处理各类突发事件"),
        ServiceCategory(code="mediation", label="矛盾调处", label_en="mediation",
                        description="调解邻里矛盾纠纷"),
    ]
