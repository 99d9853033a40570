// End-to-end tests in Debian's headless Chromium (playwright-core, no downloaded browser) against the real
// server on a fresh database. `npm run test:e2e` builds the SPA first.
//
// Environment: HOSPITAL_BIN (default $CARGO_TARGET_DIR/debug/hospital or ../target/debug/hospital; built
// with `cargo build -p hospital` when missing),
// CHROMIUM (default /usr/bin/chromium), E2E_TIMEZONE (the demo hospital's zone; default a fixed-offset zone
// where it is 09:xx now), E2E_BASE_URL (use a running server instead of starting one), E2E_HEADED=1.
import { rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { accountingScenarios, importScenario, largeMatrixScenario, modelScenarios, periodScenario } from './accounting.mjs'
import { boardScenarios } from './board.mjs'
import { compareScenarios } from './compare.mjs'
import { waitlistScenarios } from './waitlist.mjs'
import { ensureBinary, morningZone, startServer } from './server.mjs'
import {
  Suite,
  apiAs,
  assert,
  badCheckDigit,
  downloadedBytes,
  fieldError,
  idCard,
  localNow,
  login,
  message,
  mobile,
  openSlot,
  screenshots,
  settled,
} from './helpers.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const shotsDir = join(root, 'test-results/screenshots')
const bin = process.env.HOSPITAL_BIN
  ? resolve(root, process.env.HOSPITAL_BIN)
  : process.env.CARGO_TARGET_DIR
    ? resolve(process.env.CARGO_TARGET_DIR, 'debug/hospital')
    : resolve(root, '../target/debug/hospital')
const timezone = process.env.E2E_TIMEZONE ?? morningZone()
const DOCTOR_NAME = '刘佳怡'

/** A decimal string as the app shows money: "1234.5000" → "¥1,234.50". */
function yuan(value) {
  return `¥${Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

rmSync(shotsDir, { recursive: true, force: true })
const shot = screenshots(shotsDir)

let server = null
let browser = null
async function cleanup() {
  await browser?.close().catch(() => undefined)
  await server?.stop().catch(() => undefined)
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => void cleanup().then(() => process.exit(130)))
}

const suite = new Suite()
try {
  let base = process.env.E2E_BASE_URL
  if (!base) {
    ensureBinary(root, bin)
    console.log(`starting ${bin} on a fresh database (hospital time zone ${timezone})…`)
    server = await startServer({ bin, staticDir: join(root, 'dist'), timezone, log: !!process.env.E2E_SERVER_LOG })
    base = server.base
  }
  console.log(`server ${base}`)

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: !process.env.E2E_HEADED,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  // One browser context per person: each has its own storage, hence its own session.
  const person = async () => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: 'zh-CN',
      timezoneId: timezone,
    })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`))
    return page
  }

  // The demo doctor's schedule today, in a slot that is still open (created when the demo has none today).
  const admin = await apiAs(base, 'admin')
  const { date: today, minutes } = localNow(timezone)
  const slot = openSlot(minutes)
  assert(slot, `no slot is still open at ${Math.floor(minutes / 60)}:${minutes % 60} in ${timezone}`)
  const doctors = await admin('GET', `/doctors?q=${encodeURIComponent(DOCTOR_NAME)}`)
  const doctor = doctors.body.items.find((d) => d.name === DOCTOR_NAME)
  assert(doctor, `demo doctor ${DOCTOR_NAME} exists`)
  const existing = await admin('GET', `/schedules?doctor_id=${doctor.id}&date_from=${today}&date_to=${today}`)
  let schedule = existing.body.items.find((s) => s.time_slot === slot && s.status === 'OPEN' && s.remaining > 0)
  if (!schedule) {
    const created = await admin('POST', '/schedules', {
      doctor_id: doctor.id,
      date: today,
      time_slot: slot,
      room_no: '门诊楼1层B区2诊室',
      capacity: 30,
    })
    assert(created.status === 201, `schedule created: ${JSON.stringify(created.body)}`)
    schedule = created.body
  }
  console.log(`booking on schedule ${schedule.id}: ${DOCTOR_NAME} ${today} ${slot} (hospital time ${timezone})`)

  let paidBillId = null
  // The first patient's registration (its slip) and medical record (its prescription slip).
  let slipAppointmentId = null
  let prescriptionRecordId = null
  const patient = { name: `测试${String(Date.now()).slice(-4)}`, id: idCard('19880315', false), phone: mobile() }
  const desk = await person()
  const doc = await person()
  let failures = 0
  suite.onFailure = async () => {
    failures += 1
    await shot(desk, `failure-${failures}-front-desk`)
    await shot(doc, `failure-${failures}-doctor`)
  }

  await suite.test('front desk: login, register a patient (ID checked as typed), book, check in', async () => {
    await desk.goto(`${base}/check-in`)
    await desk.waitForURL(/\/login\?redirect=/)
    await shot(desk, '01-login')
    await login(desk, base, 'frontdesk')
    assert(desk.url().endsWith('/check-in'), `lands on the redirect target, got ${desk.url()}`)
    await shot(desk, '02-check-in-list')

    await desk.getByTestId('nav-patients').click()
    await desk.getByTestId('patients-table').locator('.el-table__row').first().waitFor()
    await shot(desk, '03-patients')
    await desk.getByTestId('register-patient').click()
    await desk.getByTestId('patient-name').fill(patient.name)
    await desk.getByTestId('patient-document-no').pressSequentially(patient.id, { delay: 15 })
    await desk.getByTestId('document-ok').waitFor()
    const dob = await desk.getByTestId('patient-dob').locator('input').inputValue()
    assert(dob === '1988-03-15', `dob filled from the ID number, got ${dob}`)
    const female = desk.getByTestId('patient-gender').locator('.el-radio.is-checked')
    assert((await female.textContent()).includes('女'), 'gender filled from the ID number')
    await desk.getByTestId('patient-phone').fill(patient.phone)
    await shot(desk, '04-patient-register')
    await desk.getByTestId('patient-save').click()
    await message(desk, `已登记患者 ${patient.name}`)

    await desk.getByTestId('nav-booking').click()
    await desk.getByTestId('patient-picker').locator('.el-select__selected-item', { hasText: patient.name }).waitFor()
    await desk.getByTestId('booking-departments').getByText('内科', { exact: true }).click()
    await desk.getByTestId('booking-doctors').locator('label', { hasText: DOCTOR_NAME }).click()
    await desk.locator(`[data-date="${today}"]`).click()
    await desk.getByTestId('booking-slots').locator(`[data-slot="${slot}"]`).click()
    await shot(desk, '05-booking')
    await desk.getByTestId('booking-submit').click()
    await desk.getByTestId('booking-result').waitFor()
    await shot(desk, '06-booked')

    // The registration slip: where and when, the queue number, the patient masked as on the board, the fee.
    await desk.getByTestId('booking-slip').click()
    await desk.waitForURL(/\/booking\/slips\/\d+$/)
    slipAppointmentId = Number(/slips\/(\d+)$/.exec(desk.url())[1])
    await desk.getByTestId('slip').waitFor()
    const masked = `${patient.name[0]}${'*'.repeat(patient.name.length - 2)}${patient.name.at(-1)}`
    const slipPatient = (await desk.getByTestId('slip-patient').textContent()).trim()
    assert(slipPatient === masked, `the slip masks the patient as ${masked}, got ${slipPatient}`)
    assert((await desk.getByTestId('slip-doctor').textContent()).includes(DOCTOR_NAME), 'the slip names the doctor')
    assert((await desk.getByTestId('slip-when').textContent()).includes(today), 'the slip names the day')
    await desk.getByTestId('slip-fee').filter({ hasText: /¥\d+\.\d\d/ }).waitFor()
    assert(/^\d+$/.test((await desk.getByTestId('slip-queue-no').textContent()).trim()), 'the slip shows the queue number')
    await settled(desk)
    await shot(desk, '06a-registration-slip')
    await desk.emulateMedia({ media: 'print' })
    await shot(desk, '06b-registration-slip-print', { fullPage: true })
    await desk.emulateMedia({ media: 'screen' })

    await desk.getByTestId('nav-check-in').click()
    await desk.getByTestId('checkin-search').fill(patient.id)
    await desk.getByTestId('checkin-search-submit').click()
    const row = desk.getByTestId('checkin-table').locator('.el-table__row', { hasText: patient.name })
    await row.locator('[data-status="BOOKED"]').first().waitFor()
    await row.locator('.checkin-button').first().click()
    await message(desk, `${patient.name} 已签到`)
    await desk
      .getByTestId('checkin-table')
      .locator('.el-table__row', { hasText: patient.name })
      .locator('[data-status="COMPLETED"]')
      .first()
      .waitFor()
    await shot(desk, '07-checked-in')
  })

  await suite.test('doctor: login, call the patient, write the record with a prescription', async () => {
    await login(doc, base, 'doctor')
    assert(doc.url().endsWith('/doctor'), `doctor lands on the workstation, got ${doc.url()}`)
    const entry = doc.getByTestId('doctor-queue').locator(`[data-patient="${patient.name}"]`)
    await entry.waitFor()
    await doc.getByTestId('call-next').click()
    await message(doc, '请')
    await entry.click()
    // Coded diagnoses from the dictionary (by the start of a code, by part of a name): the first is the
    // primary; the doctor moves it and back. The free text stays beside them.
    const picker = doc.getByTestId('diagnosis-picker')
    const pickDiagnosis = async (query, code) => {
      await picker.locator('input').pressSequentially(query, { delay: 20 })
      await doc.locator('.el-select-dropdown__item:visible', { hasText: code }).click()
      await picker.locator(`[data-testid="diagnosis-item"][data-code="${code}"]`).waitFor()
    }
    const isPrimary = (code) =>
      picker.locator(`[data-testid="diagnosis-item"][data-code="${code}"]`).getAttribute('data-primary')
    await pickDiagnosis('j06', 'J06.9')
    await pickDiagnosis('发热', 'R50.9')
    assert((await isPrimary('J06.9')) === 'true' && (await isPrimary('R50.9')) === 'false', 'the first chosen is primary')
    await picker.locator('[data-code="R50.9"]').getByTestId('diagnosis-make-primary').click()
    assert((await isPrimary('R50.9')) === 'true' && (await isPrimary('J06.9')) === 'false', 'the doctor moves the primary')
    await picker.locator('[data-code="J06.9"]').getByTestId('diagnosis-make-primary').click()
    const primaryTag = picker.locator('[data-testid="diagnosis-item"]').first().getByTestId('diagnosis-primary')
    assert((await primaryTag.textContent()).includes('主要诊断'), 'the primary is marked 主要诊断')
    await doc.getByTestId('record-diagnosis').fill('咽部充血')
    await doc.getByTestId('record-treatment').fill('多饮水，注意休息；三日后复诊')
    await doc.getByTestId('open-catalogue').click()
    await doc.getByTestId('catalogue-search').fill('阿莫西林')
    await doc.getByTestId('catalogue-search').press('Enter')
    await doc.getByTestId('pick-DRUG-0001').click()
    await shot(doc, '09-catalogue-picker')
    await doc.getByTestId('catalogue-done').click()
    await doc.getByTestId('prescription-table').locator('.el-table__row', { hasText: '阿莫西林' }).waitFor()
    // The drug's usage (用法用量); its quantity stays explicit (1 pack), which the bill below counts on.
    const usage = doc.getByTestId('usage-DRUG-0001')
    await usage.getByTestId('usage-dose').fill('500')
    await usage.getByTestId('usage-unit').fill('mg')
    await usage.locator('.el-select').nth(0).click()
    await doc.locator('.el-select-dropdown__item:visible').getByText('口服', { exact: true }).click()
    await usage.locator('.el-select').nth(1).click()
    await doc.locator('.el-select-dropdown__item:visible', { hasText: 'TID' }).click()
    await usage.getByTestId('usage-days').locator('input').fill('5')
    await usage.getByTestId('usage-days').locator('input').press('Tab')
    const quantity = doc
      .getByTestId('prescription-table')
      .locator('.el-table__row', { hasText: '阿莫西林' })
      .getByTestId('line-quantity')
      .locator('input')
    await quantity.fill('1')
    await quantity.press('Tab')
    await doc.getByTestId('record-save').click()
    await message(doc, '病历已保存')
    assert((await quantity.inputValue()) === '1', `the drug keeps its quantity, got ${await quantity.inputValue()}`)
    const codes = await picker.locator('[data-testid="diagnosis-item"]').evaluateAll((els) => els.map((e) => e.dataset.code))
    assert(codes.join() === 'J06.9,R50.9', `the saved record has both coded diagnoses, primary first: ${codes.join()}`)
    await shot(doc, '08-doctor-workstation')

    // The prescription slip (处方笺) on A5: the drug with its usage line.
    await doc.getByTestId('print-prescription').click()
    await doc.waitForURL(/\/doctor\/prescriptions\/\d+$/)
    prescriptionRecordId = Number(/prescriptions\/(\d+)$/.exec(doc.url())[1])
    await doc.getByTestId('prescription').waitFor()
    const usageLine = (await doc.getByTestId('prescription-usage').first().textContent()).trim()
    assert(usageLine.includes('500 mg 口服 每日三次 × 5 天'), `the slip prints the usage, got ${usageLine}`)
    assert(
      (await doc.getByTestId('prescription-patient').textContent()).includes(patient.name),
      'the slip names the patient',
    )
    const slipDiagnosis = (await doc.getByTestId('prescription-diagnosis').textContent()).trim()
    assert(
      slipDiagnosis === 'J06.9 急性上呼吸道感染；R50.9 发热；咽部充血',
      `the slip names the coded diagnoses, primary first, then the free text: ${slipDiagnosis}`,
    )
    await settled(doc)
    await doc.emulateMedia({ media: 'print' })
    await shot(doc, '08a-prescription-print', { fullPage: true })
    assert(await doc.getByTestId('prescription-usage').first().isVisible(), 'the usage line prints')
    assert(await doc.getByTestId('prescription-diagnosis').isVisible(), 'the diagnosis line prints')
    await doc.emulateMedia({ media: 'screen' })
    await doc.goBack()
    await doc.getByTestId('doctor-queue').waitFor()

    // The waiting-room board shows the called patient (name masked) as the room's current number.
    const board = await doc.context().newPage()
    await board.goto(`${base}/board`)
    await board.getByTestId('board-current').first().waitFor()
    await shot(board, '10-queue-board')
    await board.close()
  })

  await suite.test('front desk: bill, pay, open the receipt; the appointment is PAID', async () => {
    await desk.getByTestId('nav-cashier').click()
    await desk.getByTestId('cashier-search').fill(patient.id)
    await desk.getByTestId('cashier-search').press('Enter')
    const row = desk.getByTestId('tobill-table').locator('.el-table__row', { hasText: patient.name })
    await row.waitFor()
    await shot(desk, '11-cashier')
    await row.locator('[data-testid^="settle-"]').click()
    const dialog = desk.getByTestId('bill-dialog')
    await dialog.getByTestId('bill-lines').locator('.el-table__row', { hasText: '阿莫西林' }).waitFor()
    await desk.waitForTimeout(400) // the dialog's opening animation
    // Each line shows the fund's share and the policy rule that gave it (the patient is 居民医保).
    const drugShare = dialog
      .getByTestId('bill-lines')
      .locator('.el-table__row', { hasText: '阿莫西林' })
      .locator('[data-rule]')
    await drugShare.waitFor()
    assert(/¥\d.*\d%/.test(await drugShare.textContent()), `the drug line shows its share and ratio, got ${await drugShare.textContent()}`)
    await shot(desk, '12-bill-preview')
    await dialog.getByTestId('bill-create').click()
    await dialog.getByTestId('bill-pay').waitFor()
    await dialog.getByTestId('pay-method').getByText('微信', { exact: true }).click()
    await dialog.getByTestId('bill-pay').click()
    await dialog.getByTestId('bill-paid').waitFor()
    await shot(desk, '13-paid')
    await dialog.getByTestId('bill-receipt').click()
    await desk.waitForURL(/\/cashier\/receipts\/\d+$/)
    paidBillId = Number(/receipts\/(\d+)$/.exec(desk.url())[1])
    const receipt = desk.getByTestId('receipt')
    await receipt.waitFor()
    await desk.getByTestId('receipt-patient').filter({ hasText: patient.name }).waitFor()
    assert((await desk.getByTestId('receipt-method').textContent()).includes('微信'), 'receipt names the method')
    assert(/¥\d/.test(await desk.getByTestId('receipt-total').textContent()), 'receipt shows the total')
    const shares = await desk.getByTestId('receipt-line-insurance').allTextContents()
    assert(shares.length > 0 && shares.every((s) => /¥\d/.test(s)), `every receipt line shows its insurance share: ${shares}`)
    await shot(desk, '14-receipt')
    await desk.emulateMedia({ media: 'print' })
    await shot(desk, '15-receipt-print', { fullPage: true })
    await desk.emulateMedia({ media: 'screen' })
    // The total in capital numerals, and the insurance type the bill was drawn under (the patient's 居民医保).
    const words = (await desk.getByTestId('receipt-total-words').textContent()).trim()
    assert(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+元(整|[零壹贰叁肆伍陆柒捌玖角分]+)$/.test(words), `the total in words, got ${words}`)
    const insurance = (await desk.getByTestId('receipt-insurance-type').textContent()).trim()
    assert(insurance === '居民医保', `the receipt names the insurance type, got ${insurance}`)
    await desk.getByTestId('receipt-paper').getByText('A5', { exact: true }).click()
    await desk.locator('[data-paper="A5"]').waitFor()
    await desk.emulateMedia({ media: 'print' })
    await shot(desk, '15a-receipt-print-a5', { fullPage: true })
    await desk.emulateMedia({ media: 'screen' })

    // Deep links survive a reload.
    await desk.reload()
    await desk.getByTestId('receipt').waitFor()

    await desk.getByTestId('nav-check-in').click()
    await desk.getByTestId('checkin-search').fill(patient.id)
    await desk.getByTestId('checkin-search-submit').click()
    await desk
      .getByTestId('checkin-table')
      .locator('.el-table__row', { hasText: patient.name })
      .locator('[data-status="PAID"]')
      .first()
      .waitFor()
    const api = await apiAs(base, 'frontdesk')
    const found = await api('GET', `/appointments/today?q=${patient.id}`)
    assert(found.body.items[0]?.status === 'PAID', `appointment status is PAID, got ${found.body.items[0]?.status}`)
  })

  await suite.test("front desk: the cashier's day counts the payment; workbook and print view", async () => {
    assert(paidBillId, 'the flow paid a bill')
    await desk.getByTestId('nav-cashier').click()
    await desk.getByTestId('cashier-settlements').click()
    await desk.waitForURL(/\/cashier\/settlements/)
    const totals = desk.getByTestId('settlement-totals')
    await totals.waitFor()
    await settled(desk)
    const api = await apiAs(base, 'frontdesk')
    const day = (await api('GET', `/settlements?day=${today}`)).body
    const bill = (await api('GET', `/billings/${paidBillId}`)).body
    const mine = day.rows.find((r) => r.payment_method === 'WECHAT' && r.cashier_name)
    assert(day.totals.payments >= 1 && mine && Number(mine.figures.paid) >= Number(bill.total_amount), 'the day counts the payment')
    const payments = (await totals.locator('[data-figure="payments"]').textContent()).trim()
    const paid = (await totals.locator('[data-figure="paid"]').textContent()).trim()
    assert(payments === day.totals.payments.toLocaleString('en-US'), `the totals row counts ${day.totals.payments}, got ${payments}`)
    assert(paid === yuan(day.totals.paid), `the totals row shows ${yuan(day.totals.paid)} paid, got ${paid}`)
    await desk.getByTestId('settlement-table').locator('tbody tr[data-method="WECHAT"]').first().waitFor()
    assert((await desk.getByTestId('settlement-close').count()) === 0, 'only administrators close the day')
    await shot(desk, '15b-settlement')

    const download = desk.waitForEvent('download')
    await desk.getByTestId('settlement-xlsx').click()
    const file = await download
    assert(file.suggestedFilename() === `settlement-${today}.xlsx`, `the workbook's name, got ${file.suggestedFilename()}`)
    assert((await downloadedBytes(file)).subarray(0, 2).toString() === 'PK', 'the workbook is a zip file')

    await desk.getByTestId('settlement-print').click()
    await desk.getByTestId('settlement-sheet').waitFor()
    await settled(desk)
    const sheetTotals = (await desk.getByTestId('settlement-totals').locator('[data-figure="paid"]').textContent()).trim()
    assert(sheetTotals === paid, `the print view shows the same totals, got ${sheetTotals}`)
    await desk.emulateMedia({ media: 'print' })
    await shot(desk, '15c-settlement-print-a4', { fullPage: true })
    await desk.emulateMedia({ media: 'screen' })
  })

  await suite.test('roles: the front desk never sees administration, and the server refuses it', async () => {
    const admins = desk.locator('[data-testid^="nav-admin-"]')
    assert((await admins.count()) === 0, 'no administration entries in the front desk menu')
    await desk.goto(`${base}/admin/users`)
    await desk.getByTestId('forbidden').waitFor()
    await shot(desk, '16-forbidden')
    const status = await desk.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('hospital.session') ?? '{}')
      const r = await fetch('/api/v1/users', { headers: { Authorization: `Bearer ${s.accessToken}` } })
      return r.status
    })
    assert(status === 403, `GET /users as front desk answers 403, got ${status}`)
  })

  await suite.test('forms: bad input shows the field errors (as typed, and from the server)', async () => {
    await desk.goto(`${base}/patients`)
    await desk.getByTestId('register-patient').click()
    const dialog = desk.getByTestId('patient-dialog')
    await desk.getByTestId('patient-name').fill('错误示例')
    await desk.getByTestId('patient-document-no').pressSequentially(badCheckDigit(idCard()), { delay: 10 })
    const idError = fieldError(desk.getByTestId('patient-document-no'))
    await idError.waitFor()
    assert((await idError.textContent()).includes('校验位'), 'the check digit error shows while typing')
    await shot(desk, '17-form-error-id-card')

    // A valid number, but the one of the patient registered above: the server refuses it (409 DUPLICATE)
    // and the identity number field names the patient registered with it, whom it offers to open.
    await desk.getByTestId('patient-document-no').fill('')
    await desk.getByTestId('patient-document-no').pressSequentially(patient.id, { delay: 5 })
    await desk.getByTestId('document-ok').waitFor()
    await desk.getByTestId('patient-phone').fill(mobile())
    await desk.getByTestId('patient-save').click()
    const takenError = fieldError(desk.getByTestId('patient-document-no'))
    await takenError.waitFor()
    await shot(desk, '18-form-error-server')
    const taken = (await takenError.textContent()).trim()
    assert(
      taken.includes(`该证件号已登记为患者 ${patient.name}`) && taken.includes(`${patient.id.slice(0, 6)}********`),
      `the identity number field names the patient registered with it, got ${taken}`,
    )
    await dialog.getByTestId('patient-existing').click()
    await dialog.waitFor({ state: 'hidden' })
    await desk.getByTestId('patient-detail').filter({ hasText: patient.id }).waitFor()
    await desk.keyboard.press('Escape')
  })

  await suite.test("front desk: a child on the parent's phone, with the parent as guardian", async () => {
    const child = { name: `测试童${String(Date.now()).slice(-4)}`, id: idCard('20190601', true) }
    await desk.goto(`${base}/patients`)
    await desk.getByTestId('register-patient').click()
    await desk.getByTestId('patient-name').fill(child.name)
    await desk.getByTestId('patient-document-no').pressSequentially(child.id, { delay: 5 })
    await desk.getByTestId('document-ok').waitFor()
    // A minor: the guardian section opens by itself.
    await desk.getByTestId('guardian-name').waitFor()
    await desk.getByTestId('patient-phone').fill(patient.phone)
    await desk.getByTestId('guardian-name').fill(patient.name)
    await desk.getByTestId('guardian-relation').click()
    await desk.locator('.el-select-dropdown__item:visible').getByText('父母', { exact: true }).click()
    await desk.getByTestId('guardian-phone').fill(patient.phone)
    await desk.waitForTimeout(300) // the relation list's closing animation
    await shot(desk, '59-patient-guardian')
    await desk.getByTestId('patient-save').click()
    await message(desk, `已登记患者 ${child.name}`)

    // The list (showing the new patient) names the guardian; the detail shows the relation and phone.
    const row = desk.getByTestId('patients-table').locator('.el-table__row', { hasText: child.name })
    await row.getByTestId('patient-guardian-name').filter({ hasText: `监护人：${patient.name}` }).waitFor()
    await row.getByRole('button', { name: '查看' }).click()
    const detail = desk.getByTestId('patient-guardian-detail')
    await detail.waitFor()
    const text = await detail.textContent()
    assert(
      text.includes(patient.name) && text.includes('父母') && text.includes(patient.phone),
      `the detail shows the guardian, relation and phone: ${text}`,
    )
    await settled(desk)
    await shot(desk, '60-patient-guardian-detail')
    await desk.keyboard.press('Escape')

    // Mother and child share the phone: looking it up finds both.
    const api = await apiAs(base, 'frontdesk')
    const found = await api('GET', `/patients?q=${patient.phone}`)
    const names = found.body.items.map((p) => `${p.name}/${p.guardian_name ?? ''}`)
    assert(
      names.includes(`${patient.name}/`) && names.includes(`${child.name}/${patient.name}`),
      `the phone finds mother and child (with her as guardian): ${names}`,
    )
  })

  await suite.test('front desk: register a patient by passport (birth date typed), find them by its number', async () => {
    const traveller = {
      name: `测试护照${String(Date.now()).slice(-4)}`,
      passport: `E${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    }
    await desk.goto(`${base}/patients`)
    await desk.getByTestId('register-patient').click()
    const dialog = desk.getByTestId('patient-dialog')
    await desk.getByTestId('patient-name').fill(traveller.name)
    await desk.getByTestId('patient-document-type').click()
    await desk.locator('.el-select-dropdown__item:visible').getByText('护照', { exact: true }).click()
    // Typed in lower case, kept in upper case; a passport carries no birth date, so none is filled in.
    const number = desk.getByTestId('patient-document-no')
    await number.pressSequentially(traveller.passport.toLowerCase(), { delay: 5 })
    assert((await number.inputValue()) === traveller.passport, `the number is upper-cased: ${await number.inputValue()}`)
    assert((await desk.getByTestId('document-ok').count()) === 0, 'a passport fills in no birth date')
    await desk.getByTestId('patient-phone').fill(mobile())
    await desk.getByTestId('patient-save').click()
    const dobInput = desk.getByTestId('patient-dob').locator('input')
    const dobError = fieldError(dobInput)
    await dobError.filter({ hasText: '此项为必填项' }).waitFor()
    assert(await dialog.isVisible(), 'not saved without a birth date')
    await dobInput.fill('1990-05-20')
    await dobInput.press('Enter')
    await desk.getByTestId('patient-gender').getByText('女', { exact: true }).click()
    await shot(desk, '62-patient-passport')
    await desk.getByTestId('patient-save').click()
    await message(desk, `已登记患者 ${traveller.name}`)

    // Found by the whole number, typed in lower case: the row shows the type and the masked number.
    await desk.getByTestId('patient-search').fill(traveller.passport.toLowerCase())
    await desk.getByTestId('patient-search-submit').click()
    const masked = `${traveller.passport[0]}*****${traveller.passport.slice(-3)}`
    const row = desk.getByTestId('patients-table').locator('.el-table__row', { hasText: traveller.name })
    await row.filter({ hasText: `护照 ${masked}` }).waitFor()
    assert((await desk.getByTestId('patients-table').locator('.el-table__row').count()) === 1, 'only that patient')
    await row.getByRole('button', { name: '查看' }).click()
    const detail = desk.getByTestId('patient-detail')
    await detail.filter({ hasText: traveller.passport }).waitFor()
    const shown = await detail.textContent()
    assert(shown.includes('1990-05-20') && shown.includes('女'), `the detail shows the birth date and gender: ${shown}`)
    await settled(desk)
    await shot(desk, '63-patient-passport-detail')
    await desk.keyboard.press('Escape')
  })

  await suite.test('front desk: a newborn with no document yet is not saved without a guardian', async () => {
    const baby = { name: `测试婴${String(Date.now()).slice(-4)}` }
    const api = await apiAs(base, 'frontdesk')
    // The server refuses one too, at the guardian.
    const refused = await api('POST', '/patients', {
      name: baby.name,
      document_type: 'NONE_YET',
      phone: patient.phone,
      dob: today,
      gender: 'MALE',
      insurance_type: 'RESIDENT',
    })
    assert(
      refused.status === 422 && refused.body.errors.some((e) => e.field === 'guardian'),
      `the server wants a guardian: ${JSON.stringify(refused.body)}`,
    )

    await desk.goto(`${base}/patients`)
    await desk.getByTestId('register-patient').click()
    const dialog = desk.getByTestId('patient-dialog')
    await desk.getByTestId('patient-name').fill(baby.name)
    await desk.getByTestId('patient-document-type').click()
    await desk.locator('.el-select-dropdown__item:visible').getByText('暂无证件（新生儿）', { exact: true }).click()
    // No number to type; the guardian section opens, required, with no way to close it.
    await desk.getByTestId('patient-document-no').waitFor({ state: 'detached' })
    await desk.getByTestId('guardian-hint').filter({ hasText: '须登记监护人' }).waitFor()
    assert((await desk.getByTestId('guardian-toggle').count()) === 0, "a newborn's guardian cannot be removed")
    const dobInput = desk.getByTestId('patient-dob').locator('input')
    await dobInput.fill(today)
    await dobInput.press('Enter')
    await desk.getByTestId('patient-phone').fill(patient.phone)
    await desk.getByTestId('patient-save').click()
    await fieldError(desk.getByTestId('guardian-name')).filter({ hasText: '此项为必填项' }).waitFor()
    await fieldError(desk.getByTestId('guardian-phone')).filter({ hasText: '此项为必填项' }).waitFor()
    await desk.waitForTimeout(500)
    assert(await dialog.isVisible(), 'the dialog stays open')
    await shot(desk, '64-patient-newborn-guardian-required')
    const none = await api('GET', `/patients?q=${encodeURIComponent(baby.name)}`)
    assert(none.body.items.length === 0, 'nothing was saved')

    // With the guardian, it saves; the list says there is no document yet.
    await desk.getByTestId('guardian-name').fill(patient.name)
    await desk.getByTestId('guardian-relation').click()
    await desk.locator('.el-select-dropdown__item:visible').getByText('父母', { exact: true }).click()
    await desk.getByTestId('guardian-phone').fill(patient.phone)
    await desk.getByTestId('patient-save').click()
    await message(desk, `已登记患者 ${baby.name}`)
    const row = desk.getByTestId('patients-table').locator('.el-table__row', { hasText: baby.name })
    await row.filter({ hasText: '暂无证件' }).getByTestId('patient-guardian-name').waitFor()
  })

  await suite.test('front desk: booking a patient twice on one slot names the booking they have', async () => {
    const api = await apiAs(base, 'frontdesk')
    const first = (await api('GET', `/appointments/today?q=${patient.id}`)).body.items[0]
    assert(first, 'the patient has an appointment today')
    await desk.goto(`${base}/patients`)
    await desk.getByTestId('patient-search').fill(patient.id)
    await desk.getByTestId('patient-search-submit').click()
    // The row with the patient's (masked) number: the child's row names the patient as guardian.
    const masked = `${patient.id.slice(0, 6)}********${patient.id.slice(14)}`
    await desk.getByTestId('patients-table').locator('.el-table__row', { hasText: masked }).getByTestId('patient-book').click()
    await desk.getByTestId('patient-picker').locator('.el-select__selected-item', { hasText: patient.name }).waitFor()
    await desk.getByTestId('booking-departments').getByText('内科', { exact: true }).click()
    await desk.getByTestId('booking-doctors').locator('label', { hasText: DOCTOR_NAME }).click()
    await desk.locator(`[data-date="${today}"]`).click()
    await desk.getByTestId('booking-slots').locator(`[data-slot="${slot}"]`).click()
    await desk.getByTestId('booking-submit').click()
    const collided = desk.getByTestId('booking-conflict')
    await collided.waitFor()
    const text = (await collided.textContent()).trim()
    const slotName = { MORNING: '上午', AFTERNOON: '下午', EVENING: '晚间' }[slot]
    assert(
      text.includes(`该患者已预约此号源：${today} ${slotName} ${DOCTOR_NAME} 第${first.queue_no}号`),
      `the refusal names the booking the patient has, got ${text}`,
    )
    await shot(desk, '61-booking-conflict')
  })

  await suite.test('session: an expired access token is refreshed silently; a revoked session goes to login', async () => {
    // Spoil the stored access token: the next request gets 401, refreshes once, and succeeds.
    await desk.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('hospital.session'))
      s.accessToken = 'expired.token.value'
      localStorage.setItem('hospital.session', JSON.stringify(s))
    })
    await desk.goto(`${base}/patients`)
    await desk.getByTestId('patients-table').locator('.el-table__row').first().waitFor()
    assert(desk.url().endsWith('/patients'), 'still signed in after the refresh')
    // End the session on the server: the app notices on its next request and asks to sign in again.
    await desk.evaluate(async () => {
      const s = JSON.parse(localStorage.getItem('hospital.session'))
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${s.accessToken}` } })
    })
    await desk.getByTestId('patient-search-submit').click()
    await desk.waitForURL(/\/login\?redirect=(%2F|\/)patients/)
    await desk.locator('.el-alert', { hasText: '登录已过期' }).waitFor()
  })

  await suite.test('administration screens, with field errors from the server', async () => {
    const adm = await person()
    await login(adm, base, 'admin')
    assert(adm.url().endsWith('/analytics'), `admin lands on the dashboard, got ${adm.url()}`)
    await adm.getByTestId('nav-admin-schedules').click()
    await adm.getByTestId('schedule-grid').locator('.chip').first().waitFor()
    await settled(adm)
    await shot(adm, '19-admin-schedules')
    // Two weeks on, past the demo's schedules, so the template creates new ones.
    await adm.getByTestId('week-next').click()
    await adm.getByTestId('week-next').click()
    await adm.getByTestId('schedule-template').click()
    const tpl = adm.getByTestId('template-dialog')
    await tpl.locator('.f-doctor .el-select').click()
    await adm.locator('.el-select-dropdown__item:visible', { hasText: DOCTOR_NAME }).first().click()
    await tpl.locator('.f-room input').fill('门诊楼1层B区2诊室')
    await tpl.getByTestId('line-capacity-0').locator('input').fill('0')
    await tpl.getByTestId('template-apply').click()
    const capError = tpl.locator('.f-cap .el-form-item__error')
    await capError.waitFor()
    await shot(adm, '20-admin-schedule-template-error')
    await tpl.getByTestId('line-capacity-0').locator('input').fill('20')
    await tpl.getByTestId('template-apply').click()
    await message(adm, '已生成')
    await settled(adm)
    await shot(adm, '21-admin-schedules-next-week')

    for (const [nav, name] of [
      ['nav-admin-departments', '22-admin-departments'],
      ['nav-admin-doctors', '23-admin-doctors'],
      ['nav-admin-catalogue', '24-admin-catalogue'],
      ['nav-admin-users', '25-admin-users'],
    ]) {
      await adm.getByTestId(nav).click()
      await adm.locator('.el-table__row').first().waitFor()
      await settled(adm)
      await shot(adm, name)
    }
    await adm.getByTestId('nav-admin-departments').click()
    await adm.getByTestId('department-create').click()
    await adm.getByTestId('department-code').fill('INT')
    await adm.getByTestId('department-name').fill('重复的内科')
    await adm.getByTestId('department-save').click()
    await fieldError(adm.getByTestId('department-code')).waitFor()
    await shot(adm, '26-admin-department-duplicate')
    await adm.getByTestId('department-dialog').getByRole('button', { name: '取消' }).click()

    // Refunds are for administrators: the bill paid above (the newest in the paid list).
    assert(paidBillId, 'the flow paid a bill')
    await adm.getByTestId('nav-cashier').click()
    await adm.locator('#tab-paid').click()
    const paidRow = adm.getByTestId('paid-table').locator('.el-table__row', { hasText: patient.name })
    await paidRow.locator('[data-testid="refund"]').click()
    await adm.getByTestId('refund-reason').fill('患者放弃取药，全额退费')
    await adm.getByTestId('refund-submit').click()
    await adm.locator('.el-message-box').getByRole('button', { name: '确定' }).click()
    await message(adm, '已退费')
    await adm.locator('.el-radio-button', { hasText: '已退费' }).click()
    await adm.getByTestId('paid-table').locator('.el-table__row', { hasText: patient.name }).waitFor()
    await settled(adm)
    await shot(adm, '27-admin-refunded')
    const bill = await admin('GET', `/billings/${paidBillId}`)
    assert(bill.body.status === 'REFUNDED', `bill ${paidBillId} is REFUNDED, got ${bill.body.status}`)

    // The audit log: the chain verifies, and the refund above is there with its user and outcome.
    await adm.getByTestId('nav-admin-audit').click()
    await adm.locator('[data-testid="audit-chain"][data-intact="true"]').waitFor()
    await adm.getByTestId('audit-table').locator('.el-table__row').first().waitFor()
    await settled(adm)
    await shot(adm, '28-admin-audit-log')
    await adm.getByTestId('audit-action').click()
    await adm.locator('.el-select-dropdown__item:visible', { hasText: '退费' }).first().click()
    const refundRow = adm.getByTestId('audit-table').locator('.el-table__row', { hasText: String(paidBillId) })
    await refundRow.first().waitFor()
    await refundRow.first().locator('[data-outcome="SUCCESS"]').waitFor()
    assert((await refundRow.first().textContent()).includes('admin'), 'the refund names its user')
    await refundRow.first().locator('.el-table__expand-icon').click()
    await adm.locator('.el-table__expanded-cell').first().waitFor()
    await settled(adm)
    await shot(adm, '29-admin-audit-log-refund')
    await adm.context().close()
  })

  await suite.test('administration: an insurance policy with a category ratio, in force from today', async () => {
    const { date: day } = localNow(timezone)
    // Against a server reused from an earlier run, today's resident policy may exist: remove it while unused.
    const before = await admin('GET', '/insurance-policies?insurance_type=RESIDENT&page_size=200')
    for (const p of before.body.items.filter((p) => p.effective_from === day && !p.used)) {
      await admin('DELETE', `/insurance-policies/${p.id}`)
    }
    const adm = await person()
    await login(adm, base, 'admin')
    await adm.getByTestId('nav-admin-insurance-policies').click()
    const table = adm.getByTestId('policies-table')
    await table.locator('.el-table__row').first().waitFor()
    await settled(adm)
    const rowOf = (id) => table.locator('.el-table__row', { has: adm.locator(`[data-policy="${id}"]`) })

    // A policy bills were drawn under (the visit billed above, or the demo's history) cannot change.
    const used = (await admin('GET', '/insurance-policies?page_size=200')).body.items.find((p) => p.used)
    if (used) {
      const locked = rowOf(used.id)
      await locked.locator('[data-testid="policy-used"]').waitFor()
      assert(await locked.locator('[data-action="edit"]').isDisabled(), 'a used policy cannot be edited')
      assert(await locked.locator('[data-action="remove"]').isDisabled(), 'a used policy cannot be removed')
      await locked.locator('.row-actions').hover()
      await adm.locator('.el-popper:visible', { hasText: '以后日期' }).waitFor()
      await adm.waitForTimeout(300) // the tooltip's fade-in
      await shot(adm, '35-admin-insurance-policy-locked')
    } else {
      console.log('  (no policy has bills yet: the locked row is not checked)')
    }

    await adm.getByTestId('policy-create').click()
    const dialog = adm.getByTestId('policy-dialog')
    await dialog.getByTestId('policy-type').getByText('居民医保', { exact: true }).click()
    const from = await dialog.getByTestId('policy-effective-from').locator('input').inputValue()
    assert(from === day, `a new policy starts today (${day}), got ${from}`)
    await dialog.getByTestId('policy-ratio').fill('60')
    await dialog.getByTestId('policy-category-add').click()
    await dialog.getByTestId('policy-category-0').click()
    await adm.locator('.el-select-dropdown__item:visible', { hasText: '药品' }).first().click()
    // A ratio over 100 % is refused at its row before anything is sent.
    await dialog.getByTestId('policy-category-ratio-0').fill('120')
    await dialog.getByTestId('policy-save').click()
    const rowError = fieldError(dialog.getByTestId('policy-category-ratio-0'))
    await rowError.waitFor()
    assert((await rowError.textContent()).includes('0 到 100'), `the row says what it takes, got ${await rowError.textContent()}`)
    await dialog.getByTestId('policy-category-ratio-0').fill('80')
    await dialog.getByTestId('policy-deductible').fill('50')
    await dialog.getByTestId('policy-visit-cap').fill('400')
    await shot(adm, '36-admin-insurance-policy-form')
    await dialog.getByTestId('policy-save').click()
    await message(adm, '已创建')

    const after = await admin('GET', '/insurance-policies?insurance_type=RESIDENT&page_size=200')
    const added = after.body.items.find((p) => p.effective_from === day)
    assert(added?.in_force, `the new resident policy is in force: ${JSON.stringify(added)}`)
    assert(
      after.body.items.filter((p) => p.in_force).length === 1,
      'one resident policy is in force, the earlier ones no longer',
    )
    const row = rowOf(added.id)
    await row.locator('[data-testid="policy-in-force"]').waitFor()
    const text = await row.textContent()
    for (const part of ['当前生效', '药品 80%', '60%', '¥50.00', '¥400.00', day]) {
      assert(text.includes(part), `the new policy's row shows ${part}: ${text}`)
    }
    assert((await row.locator('[data-testid="policy-used"]').count()) === 0, 'the new policy is not used yet')
    await settled(adm)
    await shot(adm, '37-admin-insurance-policy-added')

    // A second resident policy from the same day: the server refuses it (409 DUPLICATE) at the date.
    await adm.getByTestId('policy-create').click()
    await dialog.getByTestId('policy-type').getByText('居民医保', { exact: true }).click()
    await dialog.getByTestId('policy-ratio').fill('55')
    await dialog.getByTestId('policy-save').click()
    const dateError = fieldError(dialog.getByTestId('policy-effective-from').locator('input'))
    await dateError.waitFor()
    assert((await dateError.textContent()).includes('这一天'), `the date says why, got ${await dateError.textContent()}`)
    await shot(adm, '38-admin-insurance-policy-duplicate')
    await dialog.getByRole('button', { name: '取消' }).click()

    // In English too.
    await adm.getByTestId('locale-menu').hover()
    await adm.getByTestId('locale-en').click()
    await adm.locator('h1', { hasText: 'Insurance policies' }).waitFor()
    await row.locator('[data-testid="policy-in-force"]', { hasText: 'In force' }).waitFor()
    assert((await row.textContent()).includes('Drug 80%'), `the category ratio in English: ${await row.textContent()}`)
    await settled(adm)
    await shot(adm, '39-admin-insurance-policies-english')
    await adm.context().close()
  })

  await suite.test("insurance types: the administrator adds the hospital's own, the front desk registers a patient with it", async () => {
    // A code and name of this run's own, so that a database kept from an earlier run has no such type yet.
    const suffix = String(Date.now()).slice(-6)
    const code = `CHARITY${suffix}`
    const name = `慈善救助${suffix}`
    const adm = await person()
    await login(adm, base, 'admin')
    await adm.getByTestId('nav-admin-insurance-types').click()
    const table = adm.getByTestId('insurance-types-table')
    // The national types come first, named from the catalogue.
    await table.locator('.el-table__row', { hasText: 'EMPLOYEE' }).filter({ hasText: '职工医保' }).waitFor()
    await adm.getByTestId('insurance-type-create').click()
    const dialog = adm.getByTestId('insurance-type-dialog')
    await dialog.getByTestId('insurance-type-code').fill(code)
    await dialog.getByTestId('insurance-type-name').fill(name)
    await settled(adm)
    await shot(adm, '39e-admin-insurance-type-form')
    await dialog.getByTestId('insurance-type-save').click()
    await message(adm, '已创建')
    await table.locator('.el-table__row', { hasText: code }).filter({ hasText: name }).waitFor()
    await settled(adm)
    await shot(adm, '39f-admin-insurance-types')
    await adm.context().close()

    const front = await person()
    await login(front, base, 'frontdesk')
    await front.goto(`${base}/patients`)
    const insured = { name: `测试商${String(Date.now()).slice(-4)}`, id: idCard('19760702', true), phone: mobile() }
    await front.getByTestId('register-patient').click()
    await front.getByTestId('patient-name').fill(insured.name)
    await front.getByTestId('patient-document-no').pressSequentially(insured.id, { delay: 5 })
    await front.getByTestId('document-ok').waitFor()
    await front.getByTestId('patient-phone').fill(insured.phone)
    await front.getByTestId('patient-insurance').getByText(name, { exact: true }).click()
    await front.getByTestId('patient-insurance').locator('.is-active', { hasText: name }).waitFor()
    await shot(front, '39g-patient-own-insurance-type')
    await front.getByTestId('patient-save').click()
    await message(front, `已登记患者 ${insured.name}`)
    const row = front.getByTestId('patients-table').locator('.el-table__row', { hasText: insured.name })
    await row.filter({ hasText: name }).waitFor()
    const saved = await admin('GET', `/patients?q=${insured.id}`)
    assert(saved.body.items[0]?.insurance_type === code, `saved as ${code}: ${JSON.stringify(saved.body.items[0])}`)
    await settled(front)
    await shot(front, '39h-patients-own-insurance-type')
    await front.context().close()
  })

  await suite.test('administration: the diagnosis dictionary, searched and imported from CSV', async () => {
    const adm = await person()
    await login(adm, base, 'admin')
    await adm.getByTestId('nav-admin-diagnoses').click()
    const table = adm.getByTestId('diagnoses-table')
    await adm.getByTestId('diagnosis-search').fill('i10')
    await adm.getByTestId('diagnosis-search').press('Enter')
    await table.locator('.el-table__row', { hasText: '原发性高血压' }).waitFor()
    await settled(adm)
    await shot(adm, '39c-admin-diagnoses')

    // A refused file names its bad row; a good one adds one code and renames (re-activates) another.
    const code = `Z${String(Date.now()).slice(-6)}`
    const csv = (lines, name) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) })
    await adm.getByTestId('diagnosis-import').click()
    const dialog = adm.getByTestId('upload-dialog')
    const input = dialog.locator('input[type="file"]')
    await input.setInputFiles(csv(['code,name', `${code},E2E 测试诊断`, 'BAD CODE!,坏编码'], 'bad.csv'))
    await dialog.getByTestId('upload-submit').click()
    const report = dialog.getByTestId('upload-report')
    await report.locator('.el-table__row').first().waitFor()
    const rows = await report.locator('.el-table__row td:first-child').allTextContents()
    assert(rows.map((r) => r.trim()).join() === '3', `the report names line 3, got ${rows.join()}`)
    await input.setInputFiles(csv(['code,name', `${code},E2E 测试诊断`, 'J06.9,急性上呼吸道感染'], 'good.csv'))
    await dialog.getByTestId('upload-submit').click()
    const done = (await dialog.getByTestId('upload-result').textContent()).trim()
    assert(done.includes('共 2 行') && done.includes('新增 1 条') && done.includes('未变 1 条'), `the counts: ${done}`)
    await dialog.locator('[data-testid="upload-progress"][data-percent="100"]').waitFor()
    await adm.waitForTimeout(700) // the bar's own animation
    await shot(adm, '39d-admin-diagnoses-imported')
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await adm.getByTestId('diagnosis-search').fill(code)
    await adm.getByTestId('diagnosis-search').press('Enter')
    await table.locator('.el-table__row', { hasText: 'E2E 测试诊断' }).waitFor()
    await adm.context().close()
  })

  await suite.test('papers in English: the registration slip, the receipt and the prescription slip, printed', async () => {
    assert(slipAppointmentId && paidBillId && prescriptionRecordId, 'the earlier scenarios left their papers')
    /** Signs in as `who`, switches to English and opens each of `papers` ([path, title, name]) in print media. */
    const inEnglish = async (who, papers) => {
      const p = await person()
      await login(p, base, who)
      await p.getByTestId('locale-menu').hover()
      await p.getByTestId('locale-en').click()
      // English on screen (its catalogue in) before the papers are opened.
      await p.waitForFunction(() => document.documentElement.lang === 'en')
      for (const [path, title, name] of papers) {
        await p.goto(`${base}${path}`)
        await p.locator('h1', { hasText: title }).waitFor()
        await settled(p)
        await p.emulateMedia({ media: 'print' })
        await shot(p, name, { fullPage: true })
        await p.emulateMedia({ media: 'screen' })
      }
      return p
    }
    const desk2 = await inEnglish('frontdesk', [
      [`/booking/slips/${slipAppointmentId}`, 'Registration slip', '15d-registration-slip-print-english'],
      [`/cashier/receipts/${paidBillId}`, 'Outpatient receipt', '15e-receipt-print-english'],
    ])
    // The receipt's labels are English; the amount in words stays in capital numerals, as the tax office wants.
    await desk2.getByText('Total in words').waitFor()
    const words = (await desk2.getByTestId('receipt-total-words').textContent()).trim()
    assert(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+元/.test(words), `the total in words, got ${words}`)
    const insurance = (await desk2.getByTestId('receipt-insurance-type').textContent()).trim()
    assert(insurance && insurance !== '居民医保', `the insurance type in English, got ${insurance}`)
    await desk2.context().close()
    const doc2 = await inEnglish('doctor', [
      [`/doctor/prescriptions/${prescriptionRecordId}`, 'Prescription', '15f-prescription-print-english'],
    ])
    await doc2.getByText('Diagnosis').first().waitFor()
    const diagnosis = (await doc2.getByTestId('prescription-diagnosis').textContent()).trim()
    assert(diagnosis.startsWith('J06.9'), `the coded diagnoses print in English too: ${diagnosis}`)
    await doc2.context().close()
  })

  await suite.test("administration: close yesterday's cashier's day; the day sheet in English", async () => {
    // Yesterday, never today: a closed day refuses payments, and later scenarios still take some.
    const yesterday = new Date(Date.parse(`${today}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
    const adm = await person()
    await login(adm, base, 'admin')
    await adm.goto(`${base}/cashier/settlements?day=${yesterday}`)
    await adm.getByTestId('settlement-totals').waitFor()
    await settled(adm)
    const before = (await admin('GET', `/settlements?day=${yesterday}`)).body
    if (before.closed) {
      console.log(`  (${yesterday} was closed already: a reused server; the close button is not exercised)`)
    } else {
      await adm.getByTestId('settlement-close').click()
      await adm.locator('.el-message-box').getByRole('button', { name: '确定' }).click()
      await message(adm, `${yesterday} 已日结关账`)
    }
    const banner = adm.getByTestId('settlement-closed')
    await banner.waitFor()
    assert((await banner.textContent()).includes('已由'), `the banner names who closed the day: ${await banner.textContent()}`)
    assert((await adm.getByTestId('settlement-close').count()) === 0, 'a closed day has no close button')
    // The server refuses a second close in plain words.
    const again = await admin('POST', '/settlements/close', { day: yesterday })
    assert(again.status === 409 && again.body.code === 'DAY_CLOSED', `a second close is refused: ${JSON.stringify(again.body)}`)
    await shot(adm, '39a-settlement-closed')

    await adm.getByTestId('locale-menu').hover()
    await adm.getByTestId('locale-en').click()
    await adm.locator('h1', { hasText: "Cashier's day" }).waitFor()
    await adm.getByTestId('settlement-closed').filter({ hasText: 'Closed by' }).waitFor()
    await adm.getByTestId('settlement-print').click()
    await adm.getByTestId('settlement-sheet-closed').filter({ hasText: 'Closed by' }).waitFor()
    await adm.getByTestId('settlement-sheet-paper').getByText('A5 landscape', { exact: true }).click()
    await adm.locator('[data-paper="A5-landscape"]').waitFor()
    await settled(adm)
    await adm.emulateMedia({ media: 'print' })
    await shot(adm, '39b-settlement-print-english', { fullPage: true })
    await adm.context().close()
  })

  await suite.test('analyst: dashboard and statistics with charts, table and the Excel export', async () => {
    const an = await person()
    await login(an, base, 'analyst')
    assert(an.url().endsWith('/analytics'), `analyst lands on the dashboard, got ${an.url()}`)
    // The demo's month of history: the 30-day trend and the department ranking draw.
    await an.locator('[data-testid="dashboard-trend"][data-ready="true"] canvas').first().waitFor()
    await an.locator('[data-testid="dashboard-departments"][data-ready="true"] canvas').first().waitFor()
    const visits = (await an.getByTestId('kpi-visits').locator('.kpi__value').textContent()).trim()
    assert(/^[\d,]+$/.test(visits), `today's visits is a number, got ${visits}`)
    // Rooms, not sessions: a room open in the morning and the afternoon counts once.
    const sessions = await admin('GET', `/schedules?date_from=${today}&date_to=${today}&status=OPEN&page_size=200`)
    const roomsToday = new Set(sessions.body.items.map((s) => s.room_no.trim())).size
    const roomsText = (await an.getByTestId('kpi-rooms').textContent()).trim()
    assert(roomsText === `${roomsToday} 个诊室今日开诊`, `${roomsToday} rooms open today, got ${roomsText}`)
    await settled(an)
    await shot(an, '30-analyst-dashboard')

    await an.getByTestId('nav-statistics').click()
    const table = an.getByTestId('statistics-table')
    await table.locator('.el-table__body .el-table__row').first().waitFor()
    await an.locator('[data-testid="statistics-period-chart"][data-ready="true"] canvas').first().waitFor()
    await an.locator('[data-testid="statistics-department-chart"][data-ready="true"] canvas').first().waitFor()
    const rows = await table.locator('.el-table__body .el-table__row').count()
    assert(rows > 0, 'the statistics table has rows')
    assert((await table.locator('.el-table__footer').textContent()).includes('合计'), 'the table ends with the totals')
    await settled(an)
    await shot(an, '31-analyst-statistics')
    await table.locator('.el-table__footer').scrollIntoViewIfNeeded()
    await shot(an, '32-analyst-statistics-table')
    await an.locator('h1').scrollIntoViewIfNeeded()

    const download = an.waitForEvent('download')
    await an.getByTestId('download-xlsx').click()
    const file = await download
    assert(file.suggestedFilename().endsWith('.xlsx'), `an .xlsx file, got ${file.suggestedFilename()}`)
    const bytes = await new Promise((done, fail) => {
      file.createReadStream().then((stream) => {
        const chunks = []
        stream.on('data', (c) => chunks.push(c))
        stream.on('end', () => done(Buffer.concat(chunks)))
        stream.on('error', fail)
      }, fail)
    })
    assert(bytes.subarray(0, 2).toString() === 'PK', 'the export is a workbook (a zip file)')

    // By month, one department: every row is that department's, and the address keeps the filters.
    await an.getByTestId('statistics-granularity').getByText('按月', { exact: true }).click()
    await an.getByTestId('statistics-department').click()
    await an.locator('.el-select-dropdown__item:visible').getByText('内科', { exact: true }).first().click()
    await an.getByTestId('statistics-query').click()
    await an.waitForURL(/granularity=month/)
    await settled(an)
    const names = await table.locator('.el-table__body .el-table__row td:nth-child(2)').allTextContents()
    assert(names.length > 0 && names.every((n) => n.trim() === '内科'), `only 内科 rows, got ${names.join(',')}`)
    await an.locator('[data-testid="statistics-period-chart"][data-ready="true"] canvas').first().waitFor()
    await shot(an, '33-analyst-statistics-month')
    await an.reload()
    await table.locator('.el-table__body .el-table__row').first().waitFor()
    const kept = await table.locator('.el-table__body .el-table__row td:nth-child(2)').allTextContents()
    assert(kept.every((n) => n.trim() === '内科'), 'the filters survive a reload')

    // The English catalogue, fetched when chosen.
    await an.getByTestId('locale-menu').hover()
    await an.getByTestId('locale-en').click()
    await an.locator('h1', { hasText: 'Statistics' }).waitFor()
    await an.locator('[data-testid="statistics-period-chart"][data-ready="true"]').waitFor()
    await an.locator('[data-testid="statistics-department-chart"][data-ready="true"]').waitFor()
    await settled(an)
    await shot(an, '34-analyst-statistics-english')
    await an.context().close()
  })

  await boardScenarios({ suite, browser, base, shot, timezone, today, slot, schedule })
  await waitlistScenarios({ suite, browser, base, shot, timezone, today, slot })
  await accountingScenarios({ suite, person, base, shot, timezone })
  await periodScenario({ suite, person, base, shot, timezone })
  await importScenario({ suite, person, base, shot })
  await largeMatrixScenario({ suite, person, base, shot })
  await modelScenarios({ suite, person, base, shot })
  // Last: it adds a model version and a task of the latest month that the scenarios above do not expect.
  await compareScenarios({ suite, person, base, shot })
} catch (e) {
  console.error(e)
  suite.results.push({ name: 'setup', ok: false, error: e })
} finally {
  await cleanup()
}

const failed = suite.failed
console.log('')
console.log(`${suite.results.length - failed.length} passed, ${failed.length} failed; screenshots in ${shotsDir}`)
process.exit(failed.length > 0 ? 1 : 0)
