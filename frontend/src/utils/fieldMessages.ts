// The server's field messages are English sentences; in Chinese they are shown through this table of the
// messages it sends. A message not listed is shown as it came.

type Rule = [RegExp, string | ((m: RegExpExecArray) => string)]

const WORDS: Record<string, string> = { 'the total': '总金额' }
const word = (w: string | undefined): string => (w === undefined ? '' : (WORDS[w] ?? w))

const ZH: Rule[] = [
  [/^must not be empty$/, '不能为空'],
  [/^must be at most (\d+) characters$/, (m) => `最多 ${m[1]} 个字符`],
  [/^must be at least (\d+) characters$/, (m) => `至少 ${m[1]} 个字符`],
  [/^must be between (.+) and (.+)$/, (m) => `须在 ${word(m[1])} 到 ${word(m[2])} 之间`],
  [/^the insurance share must be between 0 and the total$/, '医保支付须在 0 到总金额之间'],
  [/^must be 1 \(Monday\) to 7 \(Sunday\)$/, '须为 1（周一）到 7（周日）'],
  [/^must be at least (\S+)$/, (m) => `不能小于 ${m[1]}`],
  [/^must be at most (\S+)$/, (m) => `不能大于 ${m[1]}`],
  [/^must not be negative$/, '不能为负数'],
  [/^must have at most 4 decimal places$/, '最多四位小数'],
  [/^is out of range$|^a line amount is out of range$/, '数值超出范围'],
  [/^must be a Monday$/, '必须是周一'],
  [/^is in the past$/, '不能早于今天'],
  [/^must not be after date_to$/, '不能晚于结束日期'],
  [/^must be a date/, '请输入有效日期'],
  [/is not a real date$/, '日期无效'],
  [/^the check digit does not match$/, '证件号码校验位不正确'],
  [/^must be 18 characters/, '证件号码应为 18 位：17 位数字加 1 位校验码（0–9 或 X）'],
  [/^does not match the birth date in the document number$/, '与证件号码中的出生日期不一致'],
  [/^does not match the sex digit of the document number$/, '与证件号码中的性别不一致'],
  [/^a residence permit number starts with/, '居住证号码应以 810000（香港）、820000（澳门）或 830000（台湾）开头'],
  [/^a permanent residence ID \(2017\) starts with 9$/, '永居证号码应以 9 开头'],
  [/^a passport number is 5 to 17 letters and digits$/, '护照号码应为 5 至 17 位字母或数字'],
  [/^a Hong Kong \/ Macao travel permit number/, '港澳通行证号码应为 H 或 M 加 8 位或 10 位数字'],
  [/^a Taiwan travel permit number is 8 or 10 digits$/, '台胞证号码应为 8 位或 10 位数字'],
  [/^is required for this document type$/, '请填写证件号码'],
  [/^must be empty when the patient has no document yet$/, '暂无证件时不填写号码'],
  [/^is required for a patient with no document yet$/, '暂无证件的新生儿须登记监护人'],
  [/^is required when the document does not carry the birth date$/, '该证件号码不含出生日期，请填写'],
  [/^must be an 11-digit mainland mobile number/, '请输入 11 位手机号码'],
  [/already has a schedule in that slot/, '该医生在这个时段已有排班'],
  [/already has an appointment on this schedule/, '该患者已预约这个排班'],
  [/has already been billed/, '这次就诊已生成账单'],
  [/is already linked to another doctor/, '该账号已关联其他医生'],
  [/already (registered|taken|used|exists)|is already (used|registered) (by|to) another/, '已被使用，请换一个'],
  [/^is one of the most common passwords$/, '密码过于常见，请换一个'],
  [/^must mix at least three of/, '须包含大写字母、小写字母、数字、符号中的至少三类'],
  [/^must not contain the username$/, '不能包含用户名'],
  [/^may contain only letters, digits/, "只能包含字母、数字和 '-'、'_'、'.'"],
  [/^is not the current password$/, '当前密码不正确'],
  [/^is not DOCTOR$/, '只能关联医生角色的账号'],
  [/^no such catalogue item$/, '收费项目不存在'],
  [/^is already in the dictionary$/, '该编码已在诊断字典中'],
  [/^the diagnosis is no longer in use$/, '该诊断已停用'],
  [/^must have at most 10 diagnoses$/, '最多 10 个诊断'],
  [/^exactly one must be the primary diagnosis$/, '须有且只有一个主要诊断'],
  [/^no such \w+$/, '不存在'],
  [/^the item is no longer offered$/, '该收费项目已停用'],
  [/^the (doctor|patient|department) is inactive$/, '已停用'],
  [/^must not contain control characters$/, '不能包含控制字符'],
  [/^must be an integer$/, '须为整数'],
  [/^is not valid/, '格式不正确'],
  [/^another policy of this insurance type starts on this date$/, '该医保类型已有从这一天起生效的政策'],
  [/^is listed twice$/, '重复列出'],
  [/^must be in whole fen/, '须精确到分（最多两位小数）'],
  [/^has not ended yet: a period is reviewed once it is over$/, '该月尚未结束，结束后才能审核'],
  [/^is required to reopen a period$/, '重新打开期间必须填写原因'],
  [/^is a calculation of (\S+), not of (\S+)$/, (m) => `是 ${m[1]} 的核算任务，不是 ${m[2]} 的`],
  [/^must be greater than 0$/, '须大于 0'],
  [/^is required for HISTORY_\w+: 1 to (\d+) previous periods$/, (m) => `历史类标杆来源须填写回溯期数（1–${m[1]} 期）`],
  [/^is only for the HISTORY_\* methods/, '只有历史类标杆来源才填写回溯期数'],
]

export function localizeFieldMessage(message: string, locale: string): string {
  if (!locale.startsWith('zh')) return message
  for (const [pattern, out] of ZH) {
    const m = pattern.exec(message)
    if (m) return typeof out === 'string' ? out : out(m)
  }
  return message
}
