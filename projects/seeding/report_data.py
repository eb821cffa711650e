"""What the town's 2024 government work report (2024-01-29) says, as records to load.

Source: docs/reference/shanwang-2024-government-work-report.txt. Every name and figure
here is the report's; where it is silent (amounts, exact dates, contact persons) the
field stays empty. Stages are the report's state as of its date, January 2024: the
wording that justifies each is kept in the record's description.
"""

import datetime

SOURCE = "2024年山王镇政府工作报告（2024-01-29）"
#: The day the report states the projects' state: their records exist from then on, so
#: a briefing of any month since counts them (a briefing leaves out later projects).
REPORT_DATE = datetime.date(2024, 1, 29)

#: The source whose spending rate the report states (衔接资金支出率): flagged is_bridging_fund.
BRIDGING_FUNDS = "乡村振兴衔接资金"
FUNDING_SOURCES = [
    ("乡村振兴衔接资金", "Rural revitalization bridging funds."),
    ("财政奖补（普惠制）", "Fiscal rewards and subsidies, general scheme."),
    ("财政奖补（特惠制）", "Fiscal rewards and subsidies, special scheme."),
    ("专项债", "Special bonds."),
    ("上级补助", "Grants from higher levels of government."),
    ("社会资本", "Private capital."),
    ("村集体", "Village collective."),
]

VILLAGES = [
    # (name, kind)
    ("山王村", "village"),
    ("毕岗村", "village"),
    ("工农村", "village"),
    ("闪冲村", "village"),
    ("张楼村", "village"),
    ("林场村", "village"),
    ("丁山村", "village"),
    ("淮岸社区", "community"),
]

HONOURS = [
    # (village, title, year, awarded by)
    ("林场村", "省级美丽宜居村庄", 2023, "安徽省"),
    ("闪冲村", "省级美丽宜居村庄", 2023, "安徽省"),
    ("丁山村", "第九届淮南市文明村", 2023, "淮南市"),
    ("林场村", "第九届淮南市文明村", 2023, "淮南市"),
    ("山王村", "第九届淮南市文明村", 2023, "淮南市"),
    ("闪冲村", "第九届淮南市文明村", 2023, "淮南市"),
    ("工农村", "市农业生产大托管粮食产量大比武二等奖", 2023, "淮南市"),
    ("工农村", "市党建引领农业生产“大托管”十佳示范村", 2023, "淮南市"),
]

ENTERPRISES = [
    # name, village, kind, status, partner company, description
    {
        "name": "山王村集体合作社",
        "village": "山王村",
        "kind": "cooperative",
        "status": "operating",
        "description": "村集体合作社，发展订单农业；注册成立劳务公司，解决农村劳动力转移就业。",
    },
    {
        "name": "山王村集体合作社劳务公司",
        "village": "山王村",
        "kind": "labour_services",
        "status": "operating",
        "description": "山王村集体合作社注册成立的劳务公司（报告未载明其登记名称），"
        "有效解决农村劳动力转移就业。",
    },
    {
        "name": "毕岗村冷链物流项目",
        "village": "毕岗村",
        "kind": "cold_chain",
        "status": "operating",
        "partner_company": "京创公司",
        "description": "毕岗村与京创公司合作冷链物流项目，可保障多家食品企业的原料存放、运输。",
    },
    {
        "name": "工农村粮食仓储烘干中心",
        "village": "工农村",
        "kind": "grain_storage",
        "status": "completed",
        "description": "占地面积2000平方米，2023年建设完成。",
    },
    {
        "name": "工农村农业生产大托管",
        "village": "工农村",
        "kind": "farming_service",
        "status": "operating",
        "description": "深入推进农业生产“大托管”；获市农业生产大托管粮食产量大比武二等奖、"
        "市党建引领农业生产“大托管”十佳示范村。",
    },
    {
        "name": "闪冲村矿泉水生产线",
        "village": "闪冲村",
        "kind": "mineral_water",
        "status": "building",
        "description": "闪冲村投资建设矿泉水生产线（2023年）。",
    },
    {
        "name": "闪冲牛肉汤美食节",
        "village": "闪冲村",
        "kind": "festival",
        "status": "operating",
        "description": "截至2023年连续四年举办。",
    },
    {
        "name": "张楼村标准化厂房",
        "village": "张楼村",
        "kind": "factory_leasing",
        "status": "building",
        "description": "村集体资产；预计2024年上半年建成。",
    },
    {
        "name": "林场村侧柏苗木",
        "village": "林场村",
        "kind": "saplings",
        "status": "operating",
        "description": "2023年出售侧柏苗木，为村集体增收20余万元。",
    },
    {
        "name": "林场盆景园艺展",
        "village": "林场村",
        "kind": "festival",
        "status": "operating",
        "description": "截至2023年连续四年举办。",
    },
]

SPECIALTY_PRODUCTS = [
    # (name, village or None, place)
    ("淮南麻黄鸡", None, ""),
    ("丁山葡萄", "丁山村", "丁山"),
    ("闪冲板栗", "闪冲村", "闪冲"),
    ("李咀西红柿", None, "李咀"),
    ("闪冲大白桃", "闪冲村", "闪冲"),
]

# The town's own honours (Honour without a village). The year is the year under review
# that lists them (2023); the title keeps the award's own period (2022年度…).
_GOVERNANCE_HONOURS = (
    "荣获2016—2020年全市依法治理创建活动先进单位、2022年全市信访工作“三无乡镇（街道）”、"
    "2022年度全区信访工作先进单位、2022年度全区平安建设先进镇称号"
)
TOWN_HONOURS = [
    # (title, year, awarded by, the report's words)
    (
        "第十届淮南市文明乡镇",
        2023,
        "淮南市",
        "2023年山王镇荣获“第十届淮南市文明乡镇”称号",
    ),
    (
        "第三届淮南市新时代文明实践志愿服务项目大赛一等奖（“老娘舅”志愿服务项目）",
        2023,
        "淮南市",
        "山王镇“老娘舅”志愿服务项目荣获第三届淮南市新时代文明实践志愿服务项目大赛一等奖",
    ),
    (
        "2022年度八公山区统计工作先进单位",
        2023,
        "八公山区",
        "荣获2022年度八公山区统计工作先进单位、安徽省第七次全国人口普查先进集体称号",
    ),
    (
        "安徽省第七次全国人口普查先进集体",
        2023,
        "安徽省",
        "荣获2022年度八公山区统计工作先进单位、安徽省第七次全国人口普查先进集体称号",
    ),
    (
        "2016—2020年全市依法治理创建活动先进单位",
        2023,
        "淮南市",
        _GOVERNANCE_HONOURS,
    ),
    (
        "2022年全市信访工作“三无乡镇（街道）”",
        2023,
        "淮南市",
        _GOVERNANCE_HONOURS,
    ),
    (
        "2022年度全区信访工作先进单位",
        2023,
        "八公山区",
        _GOVERNANCE_HONOURS,
    ),
    (
        "2022年度全区平安建设先进镇",
        2023,
        "八公山区",
        _GOVERNANCE_HONOURS,
    ),
]

# Indicators: code, name, unit, kind, order, group (the report's chapter).
INDICATORS = [
    # 经济: （一）经济运行, and the 2024 targets of the economy.
    ("fiscal_revenue", "财政收入", "万元", "absolute", 10, "economy"),
    ("fixed_asset_investment", "固定资产投资", "万元", "absolute", 20, "economy"),
    ("industrial_investment", "工业投资", "万元", "absolute", 30, "economy"),
    ("above_scale_output", "规上企业总产值", "万元", "absolute", 40, "economy"),
    ("above_scale_value_added_growth", "规上工业增加值增速", "%", "growth", 45, "economy"),
    ("new_above_scale_enterprises", "新增规上工业企业", "家", "absolute", 47, "economy"),
    ("rural_disposable_income", "农村居民人均可支配收入", "元", "absolute", 50, "economy"),
    ("rural_disposable_income_growth", "农村居民人均可支配收入增速", "%", "growth", 55, "economy"),
    ("statistics_registered_projects", "入库纳统项目", "个", "absolute", 60, "economy"),
    ("statistics_registered_investment", "入库纳统项目总投资", "万元", "absolute", 65, "economy"),
    (
        "fixed_asset_investment_pace_rank",
        "固定资产投资序时进度全区排名",
        "名次",
        "rank",
        66,
        "economy",
    ),
    (
        "industrial_investment_target_multiple",
        "工业投资、技改投资完成年度任务目标的倍数",
        "倍",
        "absolute",
        67,
        "economy",
    ),
    # 乡村振兴: （二）集体经济, 耕地保护和粮食安全, 防致贫, 人居环境.
    (
        "village_collective_income",
        "村级集体经济收入（全镇合计）",
        "万元",
        "absolute",
        70,
        "rural_revitalization",
    ),
    (
        "village_collective_income_growth",
        "村级集体经济收入增速",
        "%",
        "growth",
        75,
        "rural_revitalization",
    ),
    ("farmland_added", "新增（补充）耕地", "亩", "absolute", 80, "rural_revitalization"),
    (
        "bridging_funds_spending_rate",
        "乡村振兴衔接资金支出率",
        "%",
        "absolute",
        82,
        "rural_revitalization",
    ),
    ("dry_to_paddy", "“旱改水”土地整治", "亩", "absolute", 85, "rural_revitalization"),
    ("grain_area", "粮食播种面积", "亩", "absolute", 90, "rural_revitalization"),
    ("grain_output", "粮食产量", "吨", "absolute", 95, "rural_revitalization"),
    ("full_custody_farmland", "农业生产大托管面积", "亩", "absolute", 100, "rural_revitalization"),
    (
        "poverty_screening_households",
        "防致贫排查户数",
        "户",
        "absolute",
        101,
        "rural_revitalization",
    ),
    ("poverty_screening_people", "防致贫排查人数", "人", "absolute", 102, "rural_revitalization"),
    ("new_monitored_households", "新增监测对象户数", "户", "absolute", 103, "rural_revitalization"),
    ("new_monitored_people", "新增监测对象人数", "人", "absolute", 104, "rural_revitalization"),
    (
        "assisted_monitored_households",
        "落实精准帮扶政策的监测对象户数",
        "户",
        "absolute",
        105,
        "rural_revitalization",
    ),
    (
        "assisted_monitored_people",
        "落实精准帮扶政策的监测对象人数",
        "名",
        "absolute",
        106,
        "rural_revitalization",
    ),
    ("assistance_measures", "具体帮扶措施", "条", "absolute", 107, "rural_revitalization"),
    (
        "development_assistance_households",
        "开发式帮扶户数",
        "户",
        "absolute",
        108,
        "rural_revitalization",
    ),
    ("rubbish_removed", "清运垃圾杂物", "吨", "absolute", 109, "rural_revitalization"),
    ("clutter_cleared", "清除乱堆乱放", "处", "absolute", 110, "rural_revitalization"),
    # 城乡建设: （三）基础设施, 生态环境.
    ("afforestation", "人工造林面积", "亩", "absolute", 105, "urban_rural"),
    (
        "air_quality_rank",
        "乡镇（街道）环境空气质量考核排名（淮南市，2023年3月）",
        "名次",
        "rank",
        107,
        "urban_rural",
    ),
    ("rural_road_maintenance", "农村公路养护", "公里", "absolute", 110, "urban_rural"),
    # 民生: （4）保障水平, and the 2024 targets of 民生福祉.
    ("elderly_home_adaptations", "老年人家庭适老化改造", "户", "absolute", 115, "livelihood"),
    ("urban_unemployment_rate", "城镇登记失业率", "%", "absolute", 120, "livelihood"),
    (
        "assistance_paid",
        "特困供养、城乡低保金等各类补贴资金发放",
        "万元",
        "absolute",
        121,
        "livelihood",
    ),
    ("orphan_allowance", "孤儿补贴资金发放", "万元", "absolute", 122, "livelihood"),
    ("needy_visits", "走访困难群体", "人次", "absolute", 123, "livelihood"),
    ("public_welfare_jobs", "开发就业困难人员公益性岗位", "个", "absolute", 124, "livelihood"),
    ("yulu_plan_subsidy", "春秋两季雨露计划补助发放", "万元", "absolute", 125, "livelihood"),
    # 安全: （4）安全生产.
    ("covert_safety_inspections", "安全生产暗查暗访", "次", "absolute", 130, "safety"),
    ("business_safety_inspections", "检查生产经营单位", "家次", "absolute", 131, "safety"),
    # 社会治理: （4）社会治理.
    (
        "petition_reception_batches",
        "镇主要领导接访群众（批次）",
        "批",
        "absolute",
        140,
        "governance",
    ),
    (
        "petition_reception_visits",
        "镇主要领导接访群众（人次）",
        "人次",
        "absolute",
        141,
        "governance",
    ),
    ("disputes_mediated", "调解矛盾纠纷", "起", "absolute", 142, "governance"),
    ("dispute_resolution_rate", "矛盾纠纷调处率", "%", "absolute", 143, "governance"),
    # 政务: （5）依法行政.
    ("deputy_suggestions_handled", "办理人大代表建议", "件", "absolute", 150, "government"),
    ("cppcc_proposals_handled", "办理政协委员提案", "件", "absolute", 151, "government"),
    (
        "suggestions_satisfaction_rate",
        "人大代表建议、政协委员提案满意率",
        "%",
        "absolute",
        152,
        "government",
    ),
    ("government_information_disclosed", "政务信息公开", "条", "absolute", 153, "government"),
    ("public_service_list_items", "调整后公共服务清单", "条", "absolute", 154, "government"),
    ("hotline_cases_handled", "办理“12345”市长热线反馈问题", "件", "absolute", 155, "government"),
    ("hotline_reply_rate", "“12345”市长热线反馈问题回复率", "%", "absolute", 156, "government"),
]

# Indicator values: code, year, actual/target, value, bound, the report's words, and for a
# ranking the report's wording, shown instead of the number (which keeps the rank).
INDICATOR_VALUES = [
    ("fiscal_revenue", 2023, "actual", "3560", "exact", "全年完成财政收入3560万元"),
    ("fixed_asset_investment", 2023, "actual", "29800", "exact", "固定资产投资2.98亿元"),
    ("industrial_investment", 2023, "actual", "13000", "exact", "工业投资1.3亿元"),
    ("above_scale_output", 2023, "actual", "10500", "exact", "规上企业总产值1.05亿元"),
    ("above_scale_value_added_growth", 2024, "target", "17", "exact", "规上工业增加值同比增长17%"),
    ("new_above_scale_enterprises", 2024, "target", "2", "exact", "新增规上工业企业2家"),
    ("rural_disposable_income", 2023, "actual", "22753", "exact", "农民可支配收入22753元"),
    (
        "rural_disposable_income_growth",
        2024,
        "target",
        "8",
        "exact",
        "农村居民人均可支配收入同比增长8%",
    ),
    ("statistics_registered_projects", 2023, "actual", "14", "exact", "全年完成14个项目入库纳统"),
    ("statistics_registered_investment", 2023, "actual", "56900", "exact", "项目总投资5.69亿元"),
    (
        "village_collective_income",
        2023,
        "actual",
        "557.07",
        "exact",
        "2023年全镇村级集体经济收入达557.07万元",
    ),
    ("village_collective_income_growth", 2023, "actual", "26.3", "exact", "同比增长26.3%"),
    ("farmland_added", 2023, "actual", "420", "exact", "全年完成补充耕地420亩"),
    (
        "bridging_funds_spending_rate",
        2023,
        "actual",
        "100",
        "exact",
        "高质高效利用乡村振兴衔接资金，共实施项目2个，已全部完工，资金支出率100%",
    ),
    ("farmland_added", 2024, "target", "200", "exact", "全年实施新增耕地200亩"),
    ("dry_to_paddy", 2024, "target", "500", "exact", "“旱改水”500亩"),
    (
        "grain_area",
        2023,
        "actual",
        "12600",
        "at_least",
        "确保粮食播种面积、产量稳定在1.26万亩、3800吨以上",
    ),
    (
        "grain_output",
        2023,
        "actual",
        "3800",
        "at_least",
        "确保粮食播种面积、产量稳定在1.26万亩、3800吨以上",
    ),
    ("full_custody_farmland", 2023, "actual", "2031", "exact", "全镇共托管土地面积2031亩"),
    ("afforestation", 2023, "actual", "210", "exact", "完成人工造林面积210亩"),
    ("rural_road_maintenance", 2023, "actual", "4", "exact", "全年实施农村公路养护工程4公里"),
    ("rural_road_maintenance", 2024, "target", "4.5", "exact", "计划完成农村公路养护4.5公里"),
    ("elderly_home_adaptations", 2023, "actual", "5", "exact", "完成5户老年人家庭适老化改造"),
    ("elderly_home_adaptations", 2024, "target", "5", "exact", "实施5户适老化改造工程"),
    ("urban_unemployment_rate", 2024, "target", "4.5", "at_most", "城镇失业率控制在4.5%以内"),
]

# The 2023 figures on rural revitalization, livelihoods, safety and governance and the
# report's rankings: 27 figures, four of them pairs of numbers in one phrase (4810户17208人,
# 14户39人, 24户73名, 58批117人次), each number its own indicator: 31 values, all 2023
# actuals. A ranking keeps its place as the number and the report's words as its wording.
FIGURES_2023 = [
    # (code, value, bound, the report's words, wording shown instead of the number)
    # 经济
    (
        "fixed_asset_investment_pace_rank",
        "1",
        "exact",
        "固定资产投资序时进度位列全区第一",
        "全区第一",
    ),
    (
        "industrial_investment_target_multiple",
        "2",
        "exact",
        "工业投资、技改投资完成年度任务目标的2倍",
        "",
    ),
    # 乡村振兴
    ("poverty_screening_households", "4810", "exact", "全镇共排查4810户17208人", ""),
    ("poverty_screening_people", "17208", "exact", "全镇共排查4810户17208人", ""),
    ("new_monitored_households", "14", "exact", "新增测对象14户39人", ""),
    ("new_monitored_people", "39", "exact", "新增测对象14户39人", ""),
    (
        "assisted_monitored_households",
        "24",
        "exact",
        "对24户73名监测对象落实精准帮扶政策",
        "",
    ),
    ("assisted_monitored_people", "73", "exact", "对24户73名监测对象落实精准帮扶政策", ""),
    ("assistance_measures", "203", "exact", "科学制定203条具体帮扶措施", ""),
    ("development_assistance_households", "9", "exact", "实施开发式帮扶9户", ""),
    ("rubbish_removed", "4800", "at_least", "全年共清运垃圾杂物4800余吨", ""),
    ("clutter_cleared", "2000", "at_least", "清除乱堆乱放2000余处", ""),
    # 城乡建设
    (
        "air_quality_rank",
        "2",
        "exact",
        "在淮南市2023年3月乡镇（街道）环境空气质量考核结果测算中排名第2名",
        "第2名",
    ),
    # 民生
    (
        "assistance_paid",
        "464",
        "exact",
        "累计发放特困供养、城乡低保金等各类补贴资金464万元",
        "",
    ),
    ("orphan_allowance", "9.35", "exact", "发放孤儿补贴资金9.35万元", ""),
    ("needy_visits", "735", "exact", "共计走访困难群体735人次", ""),
    ("public_welfare_jobs", "62", "exact", "开发就业困难人员公益性岗位62个", ""),
    ("yulu_plan_subsidy", "1.2", "exact", "发放春秋两季雨露计划补助1.2万元", ""),
    # 安全
    ("covert_safety_inspections", "62", "exact", "累计开展暗查暗访62次", ""),
    ("business_safety_inspections", "309", "exact", "检查生产经营单位309家次", ""),
    # 社会治理
    ("petition_reception_batches", "58", "exact", "全年镇主要领导接访群众58批117人次", ""),
    ("petition_reception_visits", "117", "exact", "全年镇主要领导接访群众58批117人次", ""),
    ("disputes_mediated", "74", "exact", "调解矛盾纠纷74起", ""),
    ("dispute_resolution_rate", "100", "exact", "调解矛盾纠纷74起，调处率100%", ""),
    # 政务
    ("deputy_suggestions_handled", "3", "exact", "办理人大代表建议3件", ""),
    ("cppcc_proposals_handled", "1", "exact", "政协委员提案1件", ""),
    (
        "suggestions_satisfaction_rate",
        "100",
        "exact",
        "办理人大代表建议3件，政协委员提案1件，满意率均达100%",
        "",
    ),
    ("government_information_disclosed", "1215", "exact", "政务信息公开1215条", ""),
    ("public_service_list_items", "182", "exact", "调整后公共服务清单182条", ""),
    ("hotline_cases_handled", "681", "exact", "办理“12345”市长热线反馈问题681件", ""),
    (
        "hotline_reply_rate",
        "100",
        "exact",
        "办理“12345”市长热线反馈问题681件，回复率100%",
        "",
    ),
]

# Projects. Keys: name, category, stage, villages, location, scope (quantity, unit),
# planned_completion, funding (source names, amounts unknown), plans {year: goals},
# targets [(year, physical target, planned quantity, unit, the report's words)],
# description (the report's words behind the stage).
PROJECTS = [
    {
        "name": "孔李地区水环境整治工程",
        "category": "water_remediation",
        "stage": "completed",
        "location": "孔李",
        "description": "2023年完成孔李地区水环境整治工程全线施工任务。",
    },
    {
        "name": "李嘴孜煤矿采煤沉陷区治理项目B标段",
        "category": "subsidence_treatment",
        "stage": "completed",
        "location": "李嘴孜",
        "description": "2023年完成李嘴孜煤矿采煤沉陷区治理项目B标段施工任务。",
    },
    {
        "name": "李嘴孜采煤沉陷区治理项目",
        "category": "subsidence_treatment",
        "stage": "under_construction",
        "location": "李嘴孜",
        "plans": {2024: "加快李嘴孜采煤沉陷区治理项目建设。"},
        "description": "B标段2023年完成施工；2024年加快项目建设。",
    },
    {
        "name": "八公山区产业园供热管网项目",
        "category": "road_infrastructure",
        "stage": "preliminary",
        "description": "2023年完成前期工程。",
    },
    {
        "name": "源沣新型建材产业园项目",
        "category": "industrial",
        "stage": "preliminary",
        "plans": {2024: "推进源沣新型建材项目建设。"},
        "description": "2023年完成前期手续（报告另处写作“源沣新型建设产业园项目”）；"
        "2024年推进项目建设。",
    },
    {
        "name": "益民阳光二期保障性租赁住房建设项目",
        "category": "affordable_housing",
        "stage": "under_construction",
        "plans": {2024: "继续做好益民阳光二期保障性租赁住房建设项目。"},
        "description": "2023年已进场施工；2024年继续推进。",
    },
    {
        "name": "九源海绵城市",
        "category": "road_infrastructure",
        "stage": "under_construction",
        "description": "2023年持续推动九源海绵城市项目；2024年推进二期建设。",
    },
    {
        "name": "九源海绵城市二期",
        "category": "road_infrastructure",
        "stage": "planning",
        "plans": {2024: "推进九源海绵城市二期项目建设。"},
        "description": "2024年工作安排：推进九源海绵城市二期项目建设。",
    },
    {
        "name": "张楼村标准化厂房",
        "category": "factory_building",
        "stage": "under_construction",
        "villages": ["张楼村"],
        "planned_completion": "2024-06-30",
        "plans": {2024: "上半年建成。"},
        "description": "2023年持续推动；预计2024年上半年建成（计划竣工日期取上半年末）。",
    },
    {
        "name": "闪冲村和美乡村精品示范村",
        "category": "rural_revitalization",
        "stage": "under_construction",
        "villages": ["闪冲村"],
        "plans": {2024: "加快创建闪冲村和美乡村精品示范村。"},
        "description": "2023年启动创建；2024年加快创建。",
    },
    {
        "name": "山王村省级和美乡村中心村",
        "category": "rural_revitalization",
        "stage": "under_construction",
        "villages": ["山王村"],
        "planned_completion": "2024-12-31",
        "plans": {2024: "建成山王村省级和美乡村中心村。"},
        "description": "2023年启动创建；2024年建成（计划竣工日期取年末）。",
    },
    {
        "name": "林场村和美乡村精品示范村",
        "category": "rural_revitalization",
        "stage": "planning",
        "villages": ["林场村"],
        "plans": {2024: "谋划林场村和美乡村精品示范村。"},
        "description": "2024年工作安排：谋划林场村和美乡村精品示范村。",
    },
    {
        "name": "山王镇新增耕地项目",
        "category": "land_consolidation",
        "stage": "under_construction",
        "scope": ("200", "亩"),
        "plans": {2024: "全年实施新增耕地200亩。"},
        "targets": [(2024, "新增耕地", "200", "亩", "全年实施新增耕地200亩")],
        "description": "2023年完成补充耕地420亩；2024年实施新增耕地200亩。",
    },
    {
        "name": "“旱改水”土地整治项目",
        "category": "land_consolidation",
        "stage": "planning",
        "scope": ("500", "亩"),
        "plans": {2024: "全年实施“旱改水”500亩。"},
        "targets": [(2024, "“旱改水”", "500", "亩", "“旱改水”500亩")],
        "description": "2023年积极谋划；2024年实施“旱改水”500亩。",
    },
    {
        "name": "山水林田湖草沙一体化保护和修复项目",
        "category": "ecological_restoration",
        "stage": "under_construction",
        "plans": {2024: "加快山水林田湖草沙一体化保护和修复等生态修复项目建设。"},
        "description": "2023年持续推动山水林田湖草沙生态治理；2024年加快项目建设。",
    },
    {
        "name": "东西华山、狮子山废弃矿山生态保护修复项目",
        "category": "ecological_restoration",
        "stage": "preliminary",
        "plans": {2024: "开工东西华山、狮子山等废弃矿山生态保护修复项目。"},
        "description": "2024年工作安排：开工建设。",
    },
    {
        "name": "安徽锐傲重工项目",
        "category": "industrial",
        "stage": "planning",
        "plans": {2024: "推进安徽锐傲重工项目建设。"},
        "description": "2023年积极谋划；2024年推进项目建设。",
    },
    {
        "name": "林场村康养中心项目",
        "category": "public_service",
        "stage": "planning",
        "villages": ["林场村"],
        "description": "2023年积极谋划。",
    },
    {
        "name": "汽车后服务产业集群项目",
        "category": "industrial",
        "stage": "planning",
        "plans": {2024: "推进汽车后服务产业集群项目建设。"},
        "description": "2024年工作安排：围绕长三角产业转移示范园、新型建材产业园推进建设。",
    },
    {
        "name": "畅九衢陶粒项目",
        "category": "industrial",
        "stage": "in_operation",
        "plans": {2024: "扶持畅九衢陶粒项目持续发展。"},
        "description": "2024年工作安排：扶持项目持续发展。",
    },
    {
        "name": "农村公路养护工程（2023年）",
        "category": "road_infrastructure",
        "stage": "completed",
        "scope": ("4", "公里"),
        "description": "2023年实施农村公路养护工程4公里。",
    },
    {
        "name": "农村公路养护工程（2024年）",
        "category": "road_infrastructure",
        "stage": "planning",
        "scope": ("4.5", "公里"),
        "plans": {2024: "计划完成农村公路养护4.5公里。"},
        "targets": [(2024, "农村公路养护", "4.5", "公里", "计划完成农村公路养护4.5公里")],
        "description": "2024年计划完成农村公路养护4.5公里。",
    },
    {
        "name": "农村公路安全设施提升工程",
        "category": "road_infrastructure",
        "stage": "completed",
        "description": "2023年完成农村公路安全设施提升工程。",
    },
    {
        "name": "林场村至风景区道路新建工程",
        "category": "road_infrastructure",
        "stage": "planning",
        "villages": ["林场村"],
        "plans": {2024: "新建贯通林场村至风景区道路。"},
        "description": "2024年工作安排：新建贯通林场村至风景区道路。",
    },
    {
        "name": "南塘路升级改造工程",
        "category": "road_infrastructure",
        "stage": "planning",
        "location": "南塘",
        "plans": {2024: "实施南塘路升级改造。"},
        "description": "2024年工作安排：实施南塘路升级改造。",
    },
    {
        "name": "农村公益事业建设财政奖补项目（2023年）",
        "category": "public_service",
        "stage": "in_operation",
        "scope": ("11", "个"),
        "funding": ["财政奖补（普惠制）", "财政奖补（特惠制）"],
        "description": "2023年农村公益事业建设财政奖补项目11个，其中普惠制项目7个、"
        "特惠制项目4个，所有项目均已完工并投入使用。",
    },
    {
        "name": "乡村振兴衔接资金项目（2023年）",
        "category": "rural_revitalization",
        "stage": "completed",
        "scope": ("2", "个"),
        "funding": ["乡村振兴衔接资金"],
        "description": "高质高效利用乡村振兴衔接资金，共实施项目2个，已全部完工，资金支出率100%。",
    },
    {
        "name": "山王大沟水环境治理",
        "category": "water_remediation",
        "stage": "completed",
        "description": "2023年完成山王大沟水环境治理。",
    },
    {
        "name": "工农村污水处理",
        "category": "water_remediation",
        "stage": "completed",
        "villages": ["工农村"],
        "description": "2023年完成工农村污水处理工作。",
    },
    {
        "name": "李咀孜桥苑小区问题整改",
        "category": "public_service",
        "stage": "completed",
        "location": "李咀孜",
        "description": "2023年完成李咀孜桥苑小区问题整改。",
    },
    {
        "name": "工农村粮食仓储烘干中心项目",
        "category": "rural_revitalization",
        "stage": "completed",
        "villages": ["工农村"],
        "scope": ("2000", "m²"),
        "funding": ["村集体"],
        "description": "2023年建设完成占地面积2000平方米的工农村粮食仓储烘干中心项目"
        "（村集体经济）。",
    },
    {
        "name": "张楼村养老服务站维修改造项目",
        "category": "public_service",
        "stage": "completed",
        "villages": ["张楼村"],
        "description": "2023年完成张楼村养老服务站维修改造。",
    },
    {
        "name": "山王村养老服务站维修改造项目",
        "category": "public_service",
        "stage": "completed",
        "villages": ["山王村"],
        "description": "2023年完成山王村养老服务站维修改造。",
    },
    {
        "name": "淮岸社区办公用房维修改造项目",
        "category": "public_service",
        "stage": "completed",
        "villages": ["淮岸社区"],
        "description": "2023年完成淮岸社区办公用房维修改造。",
    },
    {
        "name": "户改厕整村推进（2023年，5个村）",
        "category": "rural_revitalization",
        "stage": "completed",
        "scope": ("5", "个村"),
        "description": "2023年完成5个村户改厕整村推进任务（报告未列村名）。",
    },
    {
        "name": "老年人家庭适老化改造（2023年）",
        "category": "public_service",
        "stage": "completed",
        "scope": ("5", "户"),
        "description": "2023年完成5户老年人家庭适老化改造。",
    },
    {
        "name": "适老化改造工程（2024年）",
        "category": "public_service",
        "stage": "planning",
        "scope": ("5", "户"),
        "plans": {2024: "实施5户适老化改造工程。"},
        "targets": [(2024, "适老化改造", "5", "户", "实施5户适老化改造工程")],
        "description": "2024年工作安排：实施5户适老化改造工程，改善高龄困难老人居家生活质量。",
    },
    {
        "name": "山王镇国土空间总体规划编制",
        "category": "planning",
        "stage": "under_construction",
        "planned_completion": "2024-12-31",
        "plans": {2024: "完成山王镇国土空间总体规划编制。"},
        "description": "2024年完成编制（计划完成日期取年末）。",
    },
    {
        "name": "闪冲民宿提质升级",
        "category": "rural_revitalization",
        "stage": "planning",
        "villages": ["闪冲村"],
        "plans": {2024: "推进闪冲民宿提质升级，持续向规模化、特色化发展。"},
        "description": "2024年工作安排：推进闪冲民宿提质升级。",
    },
]
