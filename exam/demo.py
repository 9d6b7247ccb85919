"""The exam side of the demo data, safe to run again: a 安管人员C类 question bank on construction
safety law and site safety management, an exam drawn from it, a sitting of the Guangzhou authority
open now for a week with the demo learners as candidates, and a sitting for the demo training
institution. Only what is missing is added; a sitting that has ended is replaced by a new one."""

import datetime
from decimal import Decimal

from django.utils import timezone

from lms.demo import LEARNERS, demo_id_number
from lms.models import Credential, Organisation, OrganisationKind, Person, User

from .models import Exam, Question, QuestionKind, Sitting
from .services.bank import question_create, true_false_options
from .services.exams import exam_save
from .services.sittings import sitting_candidates_add, sitting_schedule

EXAM_TITLE = "安管人员C类安全生产知识考核（演示）"
REVIEWER = "gz-reviewer"
AUTHORITY = "广州市住房和城乡建设局"
INSTITUTION = "广东建设职业培训学校"
LAW, MANAGEMENT, SITE = "法律法规", "安全管理", "施工现场安全技术"

# (topic, stem, options, right letters, explanation)
SINGLE = [
    (LAW, "《中华人民共和国安全生产法》规定，安全生产工作应当坚持（ ）的方针。",
     ["安全第一、预防为主、综合治理", "以人为本、安全发展", "管行业必须管安全", "生产必须安全"], "A",
     "《安全生产法》第三条：安全生产工作坚持安全第一、预防为主、综合治理的方针。"),
    (LAW, "根据《建设工程安全生产管理条例》，（ ）依法对本施工单位的安全生产工作全面负责。",
     ["施工单位主要负责人", "项目负责人", "专职安全生产管理人员", "技术负责人"], "A",
     "《建设工程安全生产管理条例》第二十一条。"),
    (LAW, "建设工程实行施工总承包的，由（ ）对施工现场的安全生产负总责。",
     ["建设单位", "总承包单位", "分包单位", "监理单位"], "B",
     "《建设工程安全生产管理条例》第二十四条。"),
    (LAW, "施工单位应当自施工起重机械和整体提升脚手架、模板等自升式架设设施验收合格之日起（ ）日内，向建设行政主管部门或者其他有关部门登记。",
     ["15", "30", "60", "90"], "B",
     "《建设工程安全生产管理条例》第三十五条：验收合格之日起30日内登记。"),
    (LAW, "根据《安全生产法》，从业人员发现直接危及人身安全的紧急情况时，有权（ ）。",
     ["停止作业或者在采取可能的应急措施后撤离作业场所", "继续作业并在下班后报告", "等待项目负责人批准后再撤离", "只能向监管部门举报"], "A",
     "从业人员享有紧急避险权，单位不得因此降低其工资、福利或者解除劳动合同。"),
    (LAW, "《安全生产法》规定，生产经营单位的主要负责人是本单位安全生产的（ ）。",
     ["第一责任人", "直接责任人", "监督责任人", "间接责任人"], "A",
     "《安全生产法》第五条。"),
    (LAW, "《安全生产法》规定，生产经营单位必须为从业人员提供符合国家标准或者行业标准的劳动防护用品，并（ ）。",
     ["监督、教育从业人员按照使用规则佩戴、使用", "向从业人员收取成本费用", "由从业人员自行购买后报销", "只在上级检查时发放"], "A",
     "劳动防护用品由单位免费提供，并监督、教育从业人员正确佩戴、使用。"),
    (MANAGEMENT, "施工单位应当对管理人员和作业人员每年至少进行（ ）次安全生产教育培训。",
     ["一", "二", "三", "四"], "A",
     "《建设工程安全生产管理条例》第三十六条；培训考核不合格的人员不得上岗。"),
    (MANAGEMENT, "新入场作业人员的“三级安全教育”是指（ ）三级。",
     ["公司、项目部、班组", "省、市、县", "总包、分包、劳务", "班前、班中、班后"], "A",
     "三级安全教育由企业（公司）、项目部、班组分别实施。"),
    (MANAGEMENT, "根据住房和城乡建设部令第37号，超过一定规模的危险性较大的分部分项工程专项施工方案，应当由（ ）组织召开专家论证会。",
     ["施工单位", "建设单位", "监理单位", "设计单位"], "A",
     "实行施工总承包的，由施工总承包单位组织召开专家论证会。"),
    (MANAGEMENT, "危大工程专项施工方案实施前，施工现场管理人员应当向作业人员进行（ ），并由双方和项目专职安全生产管理人员共同签字确认。",
     ["安全技术交底", "口头提醒", "书面通知", "现场示范"], "A",
     "《危险性较大的分部分项工程安全管理规定》第十五条。"),
    (MANAGEMENT, "搭设高度（ ）m及以上的落地式钢管脚手架工程，属于超过一定规模的危险性较大的分部分项工程。",
     ["24", "50", "20", "8"], "B",
     "搭设高度24m及以上为危大工程，50m及以上为超过一定规模的危大工程。"),
    (SITE, "按照《建筑施工高处作业安全技术规范》，在坠落高度基准面（ ）m及以上有可能坠落的高处进行的作业称为高处作业。",
     ["1.5", "2", "2.5", "3"], "B",
     "JGJ 80：坠落高度基准面2m及以上。"),
    (SITE, "施工现场专用的电源中性点直接接地的220/380V三相四线制低压电力系统，必须采用（ ）。",
     ["TN-S接零保护系统", "TN-C系统", "TT系统", "IT系统"], "A",
     "《施工现场临时用电安全技术规范》JGJ 46。"),
    (SITE, "施工现场临时用电工程应采用（ ）配电系统。",
     ["一级", "二级", "三级", "四级"], "C",
     "总配电箱、分配电箱、开关箱三级配电。"),
]

MULTIPLE = [
    (LAW, "根据《建设工程安全生产管理条例》，下列人员中属于特种作业人员、须取得特种作业操作资格证书方可上岗的有（ ）。",
     ["垂直运输机械作业人员", "安装拆卸工", "爆破作业人员", "起重信号工", "钢筋工"], "ABCD",
     "《建设工程安全生产管理条例》第二十五条，还包括登高架设作业人员等。"),
    (LAW, "施工单位的（ ）应当经建设行政主管部门或者其他有关部门考核合格后方可任职。",
     ["主要负责人", "项目负责人", "专职安全生产管理人员", "施工员"], "ABC",
     "即“安管人员”A、B、C类，《建设工程安全生产管理条例》第三十六条。"),
    (MANAGEMENT, "根据《建设工程安全生产管理条例》，对下列达到一定规模的危险性较大的分部分项工程，应当编制专项施工方案的有（ ）。",
     ["基坑支护与降水工程", "土方开挖工程", "模板工程", "起重吊装工程", "室内抹灰工程"], "ABCD",
     "《建设工程安全生产管理条例》第二十六条。"),
    (MANAGEMENT, "专职安全生产管理人员发现安全事故隐患时，应当（ ）。",
     ["及时向项目负责人报告", "及时向安全生产管理机构报告", "对违章指挥、违章操作立即制止", "自行处理，不必报告"], "ABC",
     "《建设工程安全生产管理条例》第二十三条。"),
    (SITE, "施工现场的“三宝”是指（ ）。",
     ["安全帽", "安全带", "安全网", "绝缘手套"], "ABC", "“三宝”：安全帽、安全带、安全网。"),
    (SITE, "施工现场“四口”防护中的“四口”包括（ ）。",
     ["楼梯口", "电梯井口", "预留洞口", "通道口", "窗口"], "ABCD",
     "“四口”：楼梯口、电梯井口、预留洞口、通道口。"),
    (LAW, "根据《安全生产法》，从业人员享有的权利包括（ ）。",
     ["了解作业场所和工作岗位存在的危险因素", "对本单位安全生产工作提出建议", "拒绝违章指挥和强令冒险作业", "发现直接危及人身安全的紧急情况时停止作业"], "ABCD",
     "知情权、建议权、拒绝权、紧急避险权等。"),
    (MANAGEMENT, "《生产安全事故报告和调查处理条例》规定，事故报告应当（ ），任何单位和个人对事故不得迟报、漏报、谎报或者瞒报。",
     ["及时", "准确", "完整", "简略"], "ABC", "该条例第四条。"),
]

TRUE_FALSE = [
    (LAW, "建设单位不得对施工单位提出不符合建设工程安全生产法律、法规和强制性标准规定的要求，不得压缩合同约定的工期。", True,
     "《建设工程安全生产管理条例》第七条。"),
    (LAW, "施工单位对列入建设工程概算的安全作业环境及安全施工措施所需费用，可以根据项目资金情况挪作他用。", False,
     "这些费用应当用于施工安全防护用具及设施的采购和更新、安全施工措施的落实、安全生产条件的改善，不得挪作他用。"),
    (MANAGEMENT, "作业人员进入新的岗位或者新的施工现场前，应当接受安全生产教育培训；未经教育培训或者考核不合格的人员，不得上岗作业。", True,
     "《建设工程安全生产管理条例》第三十七条。"),
    (MANAGEMENT, "分包单位不服从总承包单位的安全生产管理导致生产安全事故的，由总承包单位承担全部责任。", False,
     "由分包单位承担主要责任；总承包单位和分包单位对分包工程的安全生产承担连带责任。"),
    (SITE, "施工现场临时用电，开关箱应实行“一机、一闸、一漏、一箱”制。", True,
     "每台用电设备必须有各自专用的开关箱。"),
    (SITE, "遇有六级及以上强风、浓雾等恶劣天气，只要系好安全带，仍可进行露天攀登与悬空高处作业。", False,
     "JGJ 80：恶劣天气不得进行露天攀登与悬空高处作业。"),
    (MANAGEMENT, "危大工程专项施工方案应当由施工单位技术负责人审核签字、加盖单位公章，并由总监理工程师审查签字、加盖执业印章后方可实施。", True,
     "《危险性较大的分部分项工程安全管理规定》第十一条。"),
    (LAW, "生产经营单位可以与从业人员订立协议，免除或者减轻其对从业人员因生产安全事故伤亡依法应承担的责任。", False,
     "此类协议无效，《安全生产法》明令禁止。"),
    (SITE, "施工现场使用的安全帽、安全带等安全防护用具，可以由作业人员自行选购，进场时无需查验合格证明。", False,
     "施工单位采购、租赁的安全防护用具应当具有生产（制造）许可证、产品合格证，并在进入施工现场前进行查验。"),
    (MANAGEMENT, "施工单位应当在施工现场入口处、临时用电设施、脚手架、出入通道口、楼梯口、电梯井口、孔洞口、基坑边沿等危险部位，设置明显的安全警示标志。", True,
     "《建设工程安全生产管理条例》第二十八条。"),
]

BLUEPRINT = [(QuestionKind.SINGLE, "", 10), (QuestionKind.MULTIPLE, "", 5), (QuestionKind.TRUE_FALSE, "", 5)]
LETTERS = "ABCDEF"


def _questions(reviewer: User, credential: Credential) -> None:
    existing = set(Question.objects.filter(credential=credential).values_list("kind", "current__stem"))
    drafts = [
        (QuestionKind.SINGLE, topic, stem, [{"text": text, "correct": LETTERS[i] in right} for i, text in enumerate(options)], why)
        for topic, stem, options, right, why in SINGLE
    ] + [
        (QuestionKind.MULTIPLE, topic, stem, [{"text": text, "correct": LETTERS[i] in right} for i, text in enumerate(options)], why)
        for topic, stem, options, right, why in MULTIPLE
    ] + [(QuestionKind.TRUE_FALSE, topic, stem, true_false_options(answer), why) for topic, stem, answer, why in TRUE_FALSE]
    for kind, topic, stem, options, explanation in drafts:
        if (kind, stem) not in existing:
            question_create(
                actor=reviewer, credential=credential, kind=kind, topic=topic, stem=stem, options=options, explanation=explanation
            )


def _sitting(reviewer, exam, authority, institution, *, starts_at, ends_at, venue, now) -> Sitting:
    # Found by its venue too: the published sitting of the applications is the same exam and authority.
    current = Sitting.objects.filter(exam=exam, authority=authority, institution=institution, venue=venue, ends_at__gt=now).first()
    return current or sitting_schedule(
        actor=reviewer, exam=exam, authority=authority, institution=institution,
        starts_at=starts_at, ends_at=ends_at, venue=venue, now=now,
    )


def seed() -> list:
    reviewer = User.objects.filter(username=REVIEWER).first()
    credential = Credential.objects.filter(code="C").first()
    authority = Organisation.objects.filter(kind=OrganisationKind.AUTHORITY, name=AUTHORITY).first()
    institution = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, name=INSTITUTION).first()
    if not (reviewer and credential and authority):
        return []
    _questions(reviewer, credential)
    exam = Exam.objects.filter(title=EXAM_TITLE).first() or exam_save(
        actor=reviewer,
        title=EXAM_TITLE,
        credential=credential,
        duration_minutes=30,
        pass_mark=Decimal("14"),
        points_single=Decimal("1"),
        points_multiple=Decimal("2"),
        points_true_false=Decimal("1"),
        partial_credit_multiple=False,
        review_allowed=True,
        blueprint=BLUEPRINT,
    )
    now = timezone.now()
    demo_ids = [demo_id_number(region, birth, sequence) for _name, region, birth, sequence, *_rest in LEARNERS]
    registered = set(Person.objects.filter(id_number__in=demo_ids).values_list("id_number", flat=True))
    learners = [id_number for id_number in demo_ids if id_number in registered]
    open_sitting = _sitting(
        reviewer, exam, authority, None,
        starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=7),
        venue="广州市天河区建设考试中心第一考场（线上监考）", now=now,
    )
    if learners:
        sitting_candidates_add(actor=reviewer, sitting=open_sitting, id_numbers=learners, now=now)
    if institution is not None:
        tomorrow = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
        institution_sitting = _sitting(
            reviewer, exam, authority, institution,
            starts_at=tomorrow, ends_at=tomorrow + datetime.timedelta(hours=2),
            venue="广东建设职业培训学校 机房二", now=now,
        )
        if learners:
            sitting_candidates_add(actor=reviewer, sitting=institution_sitting, id_numbers=learners[:2], now=now)
    _applications(reviewer, exam, authority, now)
    return []


# Applications (报名) in each state, on a published sitting of the Guangzhou authority: the
# candidates are employees of the demo Guangzhou enterprise (log in with their mobiles).
APPLICANTS = [
    # real name, birth date, sequence, mobile, the state the demo leaves the application in
    ("赵敏", datetime.date(1987, 2, 14), 61, "13800139001", "submitted"),
    ("钱进", datetime.date(1983, 9, 3), 63, "13800139002", "enterprise_submitted"),
    ("孙悦", datetime.date(1991, 12, 20), 64, "13800139003", "approved"),
    ("周航", datetime.date(1979, 6, 6), 65, "13800139004", "printed"),
    ("吴磊", datetime.date(1986, 8, 18), 67, "13800139005", "rejected"),
    ("郑洁", datetime.date(1993, 4, 1), 68, "13800139006", "withdrawn"),
    ("冯刚", datetime.date(1981, 10, 9), 69, "13800139007", "cancelled"),
]
PUBLISHED_VENUE = "广州市天河区建设考试中心第二考场"

# The Qinghai path (notice 003) through the demo training institution: applications waiting for
# the institution and for the 社保核查, one ready for a plan, a draft plan, a submitted plan whose
# second candidate has left the enterprise since (the reviewer sees it and refuses that one), and
# an approved plan with its sitting.
QINGHAI_APPLICANTS = [
    ("何静", datetime.date(1990, 5, 12), 71, "13800139011", "submitted"),
    ("罗斌", datetime.date(1985, 7, 23), 72, "13800139012", "institution_accepted"),
    ("谢芳", datetime.date(1992, 1, 30), 73, "13800139013", "insurance_checked"),
    ("韩冬", datetime.date(1984, 11, 2), 74, "13800139014", "draft_plan"),
    ("唐蕾", datetime.date(1989, 3, 17), 75, "13800139015", "submitted_plan"),
    ("曹阳", datetime.date(1982, 8, 8), 76, "13800139016", "submitted_plan_left"),
    ("许婷", datetime.date(1994, 6, 25), 77, "13800139017", "approved_plan"),
]
PLAN_VENUES = {
    "draft_plan": "广东建设职业培训学校 考点一（草稿计划）",
    "submitted_plan": "广东建设职业培训学校 考点二（待审批计划）",
    "approved_plan": "广东建设职业培训学校 考点三（已批准计划）",
}
INSTITUTION_STAFF = "inst-staff"


def _applicant(enterprise: Organisation, admin: User, name, birth, sequence, mobile, now) -> Person:
    """A demo employee of `enterprise` with two years in management and this year's annual safety
    training on record (an A, B or C application needs it)."""
    from lms.demo import DEMO_PASSWORD
    from lms.models import Employment, SafetyTraining
    from lms.services.people import person_register
    from lms.services.safety_training import safety_training_record

    id_number = demo_id_number("440106", birth, sequence)
    person = Person.objects.filter(id_number=id_number).first() or person_register(
        real_name=name, id_number=id_number, mobile=mobile, education="bachelor", password=DEMO_PASSWORD
    )
    Person.objects.filter(pk=person.pk, management_since__isnull=True).update(management_since=datetime.date(2018, 3, 1))
    person.refresh_from_db()
    if not Employment.objects.filter(person=person).exists():
        Employment.objects.create(person=person, enterprise=enterprise, start_date=datetime.date(2020, 3, 1), position="安全员")
    employed = Employment.objects.filter(person=person, enterprise=enterprise, end_date__isnull=True).exists()
    if employed and not SafetyTraining.objects.filter(person=person, enterprise=enterprise).exists():
        safety_training_record(
            actor=admin, enterprise=enterprise, person_ids=[person.pk],
            passed_on=timezone.localdate(now) - datetime.timedelta(days=20), now=now,
        )
    return person


def _applications(reviewer: User, exam: Exam, authority: Organisation, now: datetime.datetime) -> None:
    from lms.models import Membership, Role

    from .models import Application
    from .services import applications as flow

    enterprise = Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE, name="广州穗安建设工程有限公司").first()
    admin = User.objects.filter(
        pk__in=Membership.objects.filter(organisation=enterprise, role=Role.ENTERPRISE_ADMIN).values("user")
    ).first()
    if enterprise is None or admin is None:
        return
    start = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=14)
    published = Sitting.objects.filter(exam=exam, authority=authority, venue=PUBLISHED_VENUE, ends_at__gt=now).first()
    if published is None:
        published = sitting_schedule(
            actor=reviewer, exam=exam, authority=authority, starts_at=start, ends_at=start + datetime.timedelta(hours=2),
            venue=PUBLISHED_VENUE, now=now,
        )
        published.open_for_applications = True
        published.capacity = 40
        published.applications_close_at = start - datetime.timedelta(days=3)
        published.save(update_fields=["open_for_applications", "capacity", "applications_close_at"])
    for name, birth, sequence, mobile, state in APPLICANTS:
        person = _applicant(enterprise, admin, name, birth, sequence, mobile, now)
        if Application.objects.filter(candidate=person).exists():
            continue
        application = flow.application_apply(actor=person.user, credential=exam.credential, now=now)
        if state == "submitted":
            continue
        if state == "cancelled":
            flow.application_cancel(actor=reviewer, application=application, reason="重复报名（演示）", now=now)
            continue
        application = flow.application_verify(
            actor=admin, application=application, handler_name="林经办", handler_mobile="13900001234",
            sitting=published, insurance_proof=b"%PDF-1.4\n% demo proof\n%%EOF\n", now=now,
        )
        if state == "enterprise_submitted":
            continue
        if state == "rejected":
            flow.application_decide(actor=reviewer, application=application, approve=False, reason="参保证明不清晰（演示）", now=now)
            continue
        application = flow.application_decide(actor=reviewer, application=application, approve=True, now=now)
        if state == "printed":
            flow.ticket_print(actor=person.user, application=application, now=now)
        elif state == "withdrawn":
            flow.application_withdraw(actor=person.user, application=application, now=now)
    _qinghai(reviewer, exam, enterprise, admin, now)


def _qinghai(reviewer: User, exam: Exam, enterprise: Organisation, admin: User, now: datetime.datetime) -> None:
    from lms.models import Employment

    from .models import Application, ExamPlan
    from .services import applications as flow
    from .services import plans

    institution = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, name=INSTITUTION).first()
    staff = User.objects.filter(username=INSTITUTION_STAFF).first()
    if institution is None or staff is None:
        return
    start = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(days=21)
    planned: dict[str, list[Application]] = {}
    for name, birth, sequence, mobile, state in QINGHAI_APPLICANTS:
        person = _applicant(enterprise, admin, name, birth, sequence, mobile, now)
        if Application.objects.filter(candidate=person).exists():
            continue
        application = flow.application_apply(actor=person.user, credential=exam.credential, institution=institution, now=now)
        if state == "submitted":
            continue
        application = flow.application_institution_decide(actor=staff, application=application, accept=True, now=now)
        if state == "institution_accepted":
            continue
        application = flow.application_insurance_check(actor=reviewer, application=application, passed=True, now=now)
        if state != "insurance_checked":
            planned.setdefault(state.removesuffix("_left"), []).append(application)
    for state, applications in planned.items():
        venue = PLAN_VENUES[state]
        if ExamPlan.objects.filter(institution=institution, venue=venue).exists():
            continue
        days = {"draft_plan": 0, "submitted_plan": 1, "approved_plan": 2}[state]
        plan = plans.exam_plan_save(
            actor=staff, institution=institution, exam=exam, venue=venue,
            starts_at=start + datetime.timedelta(days=days), ends_at=start + datetime.timedelta(days=days, hours=2), now=now,
        )
        plans.exam_plan_add(actor=staff, plan=plan, application_ids=[a.pk for a in applications], now=now)
        if state == "draft_plan":
            continue
        plans.exam_plan_submit(actor=staff, plan=plan, now=now)
        if state == "approved_plan":
            plans.exam_plan_decide(actor=reviewer, plan=plan, approve=True, now=now)
    # The submitted plan's second candidate has left the enterprise: the reviewer's page names them.
    left = Person.objects.filter(id_number=demo_id_number("440106", datetime.date(1982, 8, 8), 76)).first()
    if left is not None:
        Employment.objects.filter(person=left, end_date__isnull=True).update(end_date=timezone.localdate(now))
