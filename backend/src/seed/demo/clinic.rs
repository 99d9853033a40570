//! What the generated visits are about: per clinical department, who comes (children, women, adults or
//! anyone), the diagnoses a community clinic sees there with their usual treatment, and the catalogue items
//! prescribed for them. Items a hospital's catalogue lacks are left out of its prescriptions.

/// One item that may be prescribed for a diagnosis: how often (percent) and how many (whole units).
pub(super) struct Rx {
    pub code: &'static str,
    pub percent: u32,
    pub min: i64,
    pub max: i64,
}

const fn rx(code: &'static str, percent: u32, min: i64, max: i64) -> Rx {
    Rx {
        code,
        percent,
        min,
        max,
    }
}

pub(super) struct Diagnosis {
    pub name: &'static str,
    pub treatments: &'static [&'static str],
    pub items: &'static [Rx],
    /// Relative frequency within the department.
    pub weight: u32,
    /// Youngest age (years) it is given to.
    pub min_age: i32,
}

const fn dx(
    name: &'static str,
    weight: u32,
    min_age: i32,
    treatments: &'static [&'static str],
    items: &'static [Rx],
) -> Diagnosis {
    Diagnosis {
        name,
        treatments,
        items,
        weight,
        min_age,
    }
}

/// Who books with a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Audience {
    /// Under 14.
    Children,
    /// Women of 18 to 55.
    Women,
    /// 14 and over.
    Adults,
    Everyone,
}

/// At most this many items on one prescription.
pub(super) const MAX_ITEMS: usize = 4;

/// Departments whose doctors hold no outpatient clinic of their own: they perform what others prescribe.
pub(super) const NON_CLINICAL: &[&str] = &["LAB", "RAD", "ULS", "PHA", "INJ"];

const URTI: Diagnosis = dx(
    "急性上呼吸道感染",
    30,
    0,
    &[
        "对症治疗，多饮水、注意休息，症状加重随诊",
        "解热镇痛、止咳对症处理，3天后复诊",
    ],
    &[
        rx("DRUG-0014", 60, 1, 2),
        rx("DRUG-0002", 40, 1, 1),
        rx("DRUG-0006", 40, 1, 1),
        rx("LAB-0001", 50, 1, 1),
        rx("LAB-0008", 25, 1, 1),
    ],
);
const HYPERTENSION: Diagnosis = dx(
    "原发性高血压",
    22,
    35,
    &[
        "低盐低脂饮食，规律服用降压药，每日家庭自测血压，1个月后复诊",
        "血压控制尚可，继续原方案降压治疗，定期随访",
    ],
    &[
        rx("DRUG-0008", 60, 1, 2),
        rx("DRUG-0004", 30, 1, 2),
        rx("DRUG-0017", 25, 1, 2),
        rx("LAB-0005", 20, 1, 1),
        rx("LAB-0010", 15, 1, 1),
    ],
);
const DIABETES: Diagnosis = dx(
    "2型糖尿病",
    18,
    35,
    &[
        "糖尿病饮食及运动指导，规律服用降糖药，监测空腹及餐后血糖",
        "继续二甲双胍降糖治疗，3个月后复查糖化血红蛋白",
    ],
    &[
        rx("DRUG-0003", 85, 1, 3),
        rx("LAB-0006", 50, 1, 1),
        rx("LAB-0009", 30, 1, 1),
        rx("LAB-0004", 15, 1, 1),
    ],
);

const GP: &[Diagnosis] = &[
    URTI,
    HYPERTENSION,
    DIABETES,
    dx(
        "高脂血症",
        10,
        30,
        &["低脂饮食、规律运动，口服他汀类调脂药，1个月后复查血脂及肝功能"],
        &[
            rx("DRUG-0009", 70, 1, 2),
            rx("LAB-0007", 50, 1, 1),
            rx("LAB-0004", 30, 1, 1),
        ],
    ),
    dx(
        "慢性胃炎",
        10,
        14,
        &["规律饮食，忌辛辣刺激及烟酒，抑酸护胃治疗2周"],
        &[rx("DRUG-0011", 80, 1, 2), rx("LAB-0003", 20, 1, 1)],
    ),
    dx(
        "慢性病随访",
        8,
        40,
        &["慢性病随访，血压、血糖控制可，继续原方案治疗"],
        &[rx("LAB-0006", 30, 1, 1), rx("LAB-0001", 20, 1, 1)],
    ),
];

const INT: &[Diagnosis] = &[
    URTI,
    HYPERTENSION,
    DIABETES,
    dx(
        "冠状动脉粥样硬化性心脏病",
        10,
        45,
        &["抗血小板聚集、调脂稳定斑块治疗，避免劳累及情绪激动，胸痛加重立即就诊"],
        &[
            rx("DRUG-0010", 70, 1, 2),
            rx("DRUG-0009", 50, 1, 2),
            rx("DRUG-0018", 40, 1, 1),
            rx("IMG-0008", 50, 1, 1),
        ],
    ),
    dx(
        "急性胃肠炎",
        10,
        14,
        &["清淡饮食，口服补液，止泻对症治疗，腹痛加剧随诊"],
        &[
            rx("DRUG-0012", 80, 1, 2),
            rx("LAB-0003", 50, 1, 1),
            rx("LAB-0001", 30, 1, 1),
            rx("LAB-0010", 20, 1, 1),
        ],
    ),
    dx(
        "急性支气管炎",
        10,
        14,
        &["化痰止咳对症治疗，多饮水，1周后复诊"],
        &[
            rx("DRUG-0015", 60, 1, 1),
            rx("DRUG-0001", 40, 1, 2),
            rx("IMG-0001", 30, 1, 1),
            rx("LAB-0001", 40, 1, 1),
        ],
    ),
    dx(
        "社区获得性肺炎",
        5,
        14,
        &["头孢曲松静脉滴注抗感染治疗，3天后复查血常规及胸片"],
        &[
            rx("DRUG-0022", 90, 2, 3),
            rx("DRUG-0021", 90, 1, 3),
            rx("TRT-0007", 80, 1, 1),
            rx("IMG-0001", 60, 1, 1),
            rx("LAB-0008", 40, 1, 1),
        ],
    ),
    dx(
        "甲状腺结节",
        4,
        18,
        &["甲状腺彩超复查，定期随访甲状腺功能"],
        &[rx("IMG-0007", 80, 1, 1), rx("LAB-0011", 60, 1, 1)],
    ),
];

const SUR: &[Diagnosis] = &[
    dx(
        "手部皮肤裂伤",
        15,
        0,
        &["清创缝合，保持伤口清洁干燥，7天后拆线"],
        &[
            rx("TRT-0001", 100, 1, 1),
            rx("MAT-0003", 70, 1, 2),
            rx("DRUG-0005", 40, 1, 1),
        ],
    ),
    dx(
        "皮肤脓肿",
        8,
        3,
        &["局麻下脓肿切开引流，每日换药，口服抗生素"],
        &[
            rx("SURG-0002", 100, 1, 1),
            rx("TRT-0002", 60, 1, 1),
            rx("MAT-0003", 60, 1, 2),
            rx("DRUG-0005", 60, 1, 2),
        ],
    ),
    dx(
        "皮脂腺囊肿",
        6,
        14,
        &["局麻下体表肿物切除术，切除物送病理，术后隔日换药"],
        &[
            rx("SURG-0001", 100, 1, 1),
            rx("TRT-0002", 70, 1, 1),
            rx("MAT-0003", 70, 1, 1),
            rx("MAT-0004", 30, 1, 1),
        ],
    ),
    dx(
        "腰肌劳损",
        15,
        18,
        &["注意休息，避免久坐及弯腰负重，局部热敷，口服止痛药"],
        &[rx("DRUG-0002", 70, 1, 1), rx("IMG-0003", 40, 1, 1)],
    ),
    dx(
        "颈椎病",
        12,
        20,
        &["颈部功能锻炼，避免长时间低头，必要时康复科理疗"],
        &[rx("IMG-0002", 60, 1, 1), rx("DRUG-0002", 50, 1, 1)],
    ),
    dx(
        "术后伤口换药",
        15,
        0,
        &["伤口愈合良好，继续换药，按期拆线"],
        &[rx("TRT-0002", 100, 1, 1), rx("MAT-0003", 80, 1, 2)],
    ),
    dx(
        "踝关节软组织挫伤",
        10,
        6,
        &["局部制动、冷敷，48小时后热敷，弹力绷带固定"],
        &[rx("MAT-0004", 60, 1, 1), rx("DRUG-0002", 50, 1, 1)],
    ),
];

const PED: &[Diagnosis] = &[
    dx(
        "急性支气管炎",
        25,
        0,
        &["雾化吸入，化痰止咳，多饮水，3天后复诊"],
        &[
            rx("TRT-0006", 70, 1, 1),
            rx("DRUG-0023", 70, 1, 3),
            rx("DRUG-0015", 60, 1, 1),
            rx("LAB-0001", 40, 1, 1),
        ],
    ),
    dx(
        "急性上呼吸道感染",
        30,
        0,
        &["对症退热，多饮水，注意观察体温，高热不退随诊"],
        &[
            rx("DRUG-0016", 70, 1, 1),
            rx("DRUG-0007", 40, 1, 1),
            rx("LAB-0001", 50, 1, 1),
            rx("LAB-0008", 40, 1, 1),
        ],
    ),
    dx(
        "小儿腹泻病",
        15,
        0,
        &["口服蒙脱石散止泻，预防脱水，清淡饮食"],
        &[rx("DRUG-0012", 90, 1, 2), rx("LAB-0003", 60, 1, 1)],
    ),
    dx(
        "急性扁桃体炎",
        15,
        2,
        &["阿莫西林抗感染，对症退热，1周后复诊"],
        &[
            rx("DRUG-0001", 80, 1, 2),
            rx("DRUG-0016", 40, 1, 1),
            rx("LAB-0001", 60, 1, 1),
            rx("LAB-0008", 50, 1, 1),
        ],
    ),
    dx(
        "儿童保健",
        8,
        0,
        &["生长发育评估正常，喂养及预防接种指导"],
        &[],
    ),
];

const OBG: &[Diagnosis] = &[
    dx(
        "阴道炎",
        25,
        18,
        &["妇科检查，局部用药，注意个人卫生，1周后复查"],
        &[rx("EXAM-0004", 90, 1, 1), rx("LAB-0002", 30, 1, 1)],
    ),
    dx(
        "早孕",
        20,
        18,
        &["确认宫内早孕，孕早期保健指导，补充叶酸，定期产检"],
        &[
            rx("EXAM-0004", 60, 1, 1),
            rx("LAB-0001", 60, 1, 1),
            rx("LAB-0002", 60, 1, 1),
        ],
    ),
    dx(
        "月经不调",
        20,
        18,
        &["调整作息，必要时内分泌检查，下次月经干净后复诊"],
        &[
            rx("EXAM-0004", 60, 1, 1),
            rx("LAB-0011", 30, 1, 1),
            rx("LAB-0001", 40, 1, 1),
        ],
    ),
    dx(
        "慢性盆腔炎",
        15,
        18,
        &["抗感染治疗2周，注意休息，避免劳累"],
        &[
            rx("EXAM-0004", 80, 1, 1),
            rx("DRUG-0005", 60, 1, 2),
            rx("LAB-0001", 40, 1, 1),
        ],
    ),
    dx(
        "产后复查",
        10,
        18,
        &["产后42天复查，子宫复旧良好"],
        &[rx("EXAM-0004", 90, 1, 1), rx("LAB-0001", 40, 1, 1)],
    ),
];

const OPH: &[Diagnosis] = &[
    dx(
        "急性结膜炎",
        25,
        0,
        &["红霉素眼膏涂眼，注意用眼卫生，勿揉眼，毛巾单独使用"],
        &[rx("DRUG-0020", 90, 1, 2), rx("EXAM-0001", 50, 1, 1)],
    ),
    dx(
        "屈光不正",
        30,
        5,
        &["验光，建议配镜矫正，注意用眼习惯"],
        &[rx("EXAM-0001", 100, 1, 1), rx("EXAM-0002", 40, 1, 1)],
    ),
    dx(
        "干眼症",
        15,
        14,
        &["减少电子屏幕使用，眼部热敷，注意休息"],
        &[rx("EXAM-0001", 70, 1, 1), rx("EXAM-0002", 30, 1, 1)],
    ),
    dx(
        "睑腺炎",
        15,
        0,
        &["局部热敷，红霉素眼膏涂眼，未愈必要时切开排脓"],
        &[rx("DRUG-0020", 90, 1, 1), rx("EXAM-0001", 30, 1, 1)],
    ),
    dx(
        "年龄相关性白内障",
        12,
        50,
        &["随访观察，视力明显下降时转上级医院手术治疗"],
        &[rx("EXAM-0001", 100, 1, 1), rx("EXAM-0002", 60, 1, 1)],
    ),
];

const ENT: &[Diagnosis] = &[
    dx(
        "过敏性鼻炎",
        25,
        3,
        &["避免接触过敏原，口服氯雷他定抗过敏治疗"],
        &[rx("DRUG-0013", 90, 1, 2)],
    ),
    dx(
        "慢性咽炎",
        20,
        14,
        &["戒烟限酒，少食辛辣，清咽利喉对症治疗"],
        &[rx("DRUG-0007", 50, 1, 1), rx("DRUG-0006", 50, 1, 1)],
    ),
    dx(
        "急性中耳炎",
        15,
        0,
        &["口服抗生素抗感染，保持外耳道干燥，1周后复查"],
        &[
            rx("DRUG-0001", 80, 1, 2),
            rx("EXAM-0003", 40, 1, 1),
            rx("LAB-0001", 30, 1, 1),
        ],
    ),
    dx(
        "神经性耳鸣",
        10,
        18,
        &["纯音测听评估听力，避免噪声环境，定期随访"],
        &[rx("EXAM-0003", 100, 1, 1)],
    ),
    dx(
        "外耳道耵聍栓塞",
        10,
        0,
        &["外耳道冲洗，取出耵聍，保持外耳道干燥"],
        &[],
    ),
];

const STO: &[Diagnosis] = &[
    dx(
        "龋齿",
        30,
        3,
        &["龋齿充填治疗，注意口腔卫生，定期口腔检查"],
        &[],
    ),
    dx(
        "慢性牙周炎",
        20,
        18,
        &["全口龈上洁治，指导正确刷牙方法，半年后复查"],
        &[rx("TRT-0010", 100, 1, 1)],
    ),
    dx(
        "牙齿残根",
        15,
        14,
        &["局麻下牙拔除术，已交代术后注意事项"],
        &[rx("SURG-0003", 100, 1, 1), rx("DRUG-0001", 50, 1, 1)],
    ),
    dx(
        "急性牙髓炎",
        15,
        6,
        &["开髓引流止痛，预约根管治疗"],
        &[rx("DRUG-0002", 70, 1, 1), rx("DRUG-0001", 40, 1, 1)],
    ),
    dx(
        "智齿冠周炎",
        10,
        16,
        &["局部冲洗上药，口服抗生素，炎症消退后择期拔除"],
        &[rx("DRUG-0001", 80, 1, 2), rx("DRUG-0002", 40, 1, 1)],
    ),
];

const DER: &[Diagnosis] = &[
    dx(
        "湿疹",
        25,
        0,
        &["避免搔抓及热水烫洗，保湿护肤，口服抗组胺药"],
        &[rx("DRUG-0013", 80, 1, 2), rx("DRUG-0019", 30, 1, 1)],
    ),
    dx(
        "寻常疣",
        15,
        3,
        &["液氮冷冻治疗，2周后复诊"],
        &[rx("TRT-0011", 100, 1, 1)],
    ),
    dx(
        "荨麻疹",
        20,
        0,
        &["寻找并避免诱因，口服抗组胺药"],
        &[rx("DRUG-0013", 90, 1, 2), rx("LAB-0001", 30, 1, 1)],
    ),
    dx(
        "脓疱疮",
        10,
        0,
        &["莫匹罗星软膏外用，注意隔离及个人卫生"],
        &[rx("DRUG-0019", 90, 1, 2)],
    ),
    dx(
        "痤疮",
        15,
        12,
        &["温水清洁面部，规律作息，忌辛辣油腻饮食"],
        &[],
    ),
];

const TCM: &[Diagnosis] = &[
    dx(
        "项痹（颈椎病）",
        25,
        18,
        &["针刺配合推拿治疗，颈部功能锻炼"],
        &[
            rx("TRT-0003", 80, 1, 1),
            rx("TRT-0004", 60, 1, 1),
            rx("TRT-0005", 30, 1, 1),
        ],
    ),
    dx(
        "腰痛（腰肌劳损）",
        20,
        18,
        &["针刺、拔罐治疗，避免久坐及受凉"],
        &[
            rx("TRT-0003", 70, 1, 1),
            rx("TRT-0005", 60, 1, 1),
            rx("TRT-0004", 40, 1, 1),
        ],
    ),
    dx(
        "不寐（失眠）",
        15,
        18,
        &["针刺调理，规律作息，睡前避免饮用浓茶咖啡"],
        &[rx("TRT-0003", 80, 1, 1)],
    ),
    dx(
        "感冒（风热证）",
        20,
        14,
        &["疏风清热，中成药口服，多饮水"],
        &[rx("DRUG-0007", 60, 1, 2), rx("DRUG-0014", 60, 1, 1)],
    ),
    dx(
        "胸痹（气滞血瘀证）",
        10,
        45,
        &["活血化瘀，复方丹参滴丸口服，定期复查心电图"],
        &[rx("DRUG-0018", 80, 1, 1), rx("IMG-0008", 30, 1, 1)],
    ),
];

const REH: &[Diagnosis] = &[
    dx(
        "颈椎病",
        30,
        20,
        &["颈椎牵引配合中频电治疗，每周3次"],
        &[rx("TRT-0009", 90, 1, 1), rx("TRT-0008", 70, 1, 1)],
    ),
    dx(
        "腰椎间盘突出症",
        25,
        20,
        &["中频电治疗，核心肌群训练，避免弯腰负重"],
        &[
            rx("TRT-0008", 90, 1, 1),
            rx("IMG-0003", 30, 1, 1),
            rx("DRUG-0002", 30, 1, 1),
        ],
    ),
    dx(
        "脑梗死后遗症",
        15,
        50,
        &["肢体功能康复训练，中频电刺激，注意预防跌倒"],
        &[rx("TRT-0008", 80, 1, 1)],
    ),
    dx(
        "肩关节周围炎",
        20,
        40,
        &["肩关节功能锻炼，中频电治疗，疼痛明显时口服止痛药"],
        &[rx("TRT-0008", 80, 1, 1), rx("DRUG-0002", 40, 1, 1)],
    ),
    dx(
        "膝骨关节炎",
        15,
        45,
        &["减轻负重，股四头肌功能训练，理疗"],
        &[rx("TRT-0008", 80, 1, 1), rx("DRUG-0002", 40, 1, 1)],
    ),
];

const GENERAL: &[Diagnosis] = &[dx(
    "门诊咨询",
    1,
    0,
    &["病情咨询，已给予健康指导，不适随诊"],
    &[],
)];

/// Who books with a department, and what they are seen for.
pub(super) fn department(code: &str) -> (Audience, &'static [Diagnosis]) {
    match code {
        "GP" => (Audience::Everyone, GP),
        "INT" => (Audience::Adults, INT),
        "SUR" => (Audience::Everyone, SUR),
        "PED" => (Audience::Children, PED),
        "OBG" => (Audience::Women, OBG),
        "OPH" => (Audience::Everyone, OPH),
        "ENT" => (Audience::Everyone, ENT),
        "STO" => (Audience::Everyone, STO),
        "DER" => (Audience::Everyone, DER),
        "TCM" => (Audience::Adults, TCM),
        "REH" => (Audience::Adults, REH),
        _ => (Audience::Everyone, GENERAL),
    }
}

/// Why a bill was refunded a day or two after payment.
pub(super) const REFUND_REASONS: &[&str] = &[
    "患者未取药，申请退药退费",
    "检查项目未执行，办理退费",
    "收费项目录入有误，全额退费",
    "患者转诊上级医院，未做检查，申请退费",
    "药品过敏停用，未开封药品退回",
];
