// The front desk's waitlist (候补): a full slot offers it, an added place books the first in line (tagged 候补),
// and a booking moves to another session (改约); the administrator's booking rules explain a refusal.
import { apiAs, assert, idCard, login, message, mobile } from './helpers.mjs'

export async function waitlistScenarios({ suite, browser, base, shot, timezone, today, slot }) {
  const admin = await apiAs(base, 'admin')
  const desk = await apiAs(base, 'frontdesk')
  let born = 0
  /** The department and doctor the first scenario sets up, for the second. */
  let setUp = null

  async function patient(name) {
    born += 1
    const documentNo = idCard(`19${60 + born}0${1 + (born % 9)}2${born % 10}`, born % 2 === 0)
    const p = await desk('POST', '/patients', {
      name,
      document_type: 'ID_CARD',
      document_no: documentNo,
      phone: mobile(),
      gender: born % 2 === 0 ? 'MALE' : 'FEMALE',
      insurance_type: 'RESIDENT',
    })
    assert(p.status === 201, `patient created: ${JSON.stringify(p.body)}`)
    return { ...p.body, documentNo }
  }

  const page = async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: timezone })
    context.setDefaultTimeout(15_000)
    const p = await context.newPage()
    p.on('pageerror', (e) => console.log(`  [page error] ${e.message}`))
    return p
  }

  await suite.test('waitlist: a full slot offers the waitlist, an added place books the first in line, 改约', async () => {
    // A session with one place, taken.
    const code = `WL${String(Date.now()).slice(-5)}`
    const dep = await admin('POST', '/departments', { code, name: `候补科${code.slice(-3)}`, location: '门诊楼3层' })
    assert(dep.status === 201, `department created: ${JSON.stringify(dep.body)}`)
    const doctorName = `候补医生${code.slice(-3)}`
    const doc = await admin('POST', '/doctors', {
      name: doctorName,
      department_id: dep.body.id,
      title: 'ATTENDING',
      phone: mobile(),
      available_slots_per_day: 30,
    })
    assert(doc.status === 201, `doctor created: ${JSON.stringify(doc.body)}`)
    setUp = { department: dep.body, doctor: doc.body }
    // Today's session, and the doctor's session tomorrow to move to.
    const sessions = []
    for (const [date, timeSlot, room] of [
      [today, slot, '31诊室'],
      [addDays(today, 1), 'MORNING', '32诊室'],
    ]) {
      const s = await admin('POST', '/schedules', { doctor_id: doc.body.id, date, time_slot: timeSlot, room_no: room, capacity: 1 })
      assert(s.status === 201, `schedule created: ${JSON.stringify(s.body)}`)
      sessions.push(s.body)
    }
    const [full, other] = sessions
    const first = await patient('周淑芬')
    const booked = await desk('POST', '/appointments', { patient_id: first.id, schedule_id: full.id })
    assert(booked.status === 201, `the only place is booked: ${JSON.stringify(booked.body)}`)

    // The desk tries to book a second patient: the slot is full, the waitlist is offered.
    const second = await patient('郑国强')
    const dsk = await page()
    await login(dsk, base, 'frontdesk')
    await dsk.goto(`${base}/patients`)
    await dsk.getByTestId('patient-search').fill(second.documentNo)
    await dsk.getByTestId('patient-search-submit').click()
    await dsk.getByTestId('patients-table').locator('.el-table__row').first().getByTestId('patient-book').click()
    await dsk.getByTestId('patient-picker').locator('.el-select__selected-item', { hasText: second.name }).waitFor()
    await dsk.getByTestId('booking-departments').getByText(dep.body.name, { exact: true }).click()
    await dsk.getByTestId('booking-doctors').locator('label', { hasText: doctorName }).click()
    await dsk.locator(`[data-date="${today}"]`).click()
    await dsk.getByTestId('booking-slots').locator(`[data-slot="${slot}"]`).click()
    await dsk.getByTestId('booking-submit').click()
    await dsk.getByTestId('booking-full').waitFor()
    await dsk.getByTestId('booking-waitlist').click()
    const joined = (await dsk.getByTestId('booking-waitlisted').textContent()).trim()
    assert(joined.includes('已加入候补，当前第 1 位'), `the patient is first on the waitlist, got ${joined}`)
    await dsk.getByTestId('booking-show-waitlist').click()
    await dsk.locator('.el-drawer').getByText(second.name).waitFor()
    await shot(dsk, '70-booking-waitlist')
    await dsk.keyboard.press('Escape')

    // A place added: the waitlist gets it.
    const more = await admin('PUT', `/schedules/${full.id}/capacity`, { capacity: 2 })
    assert(more.status === 200 && more.body.promoted_appointment_ids.length === 1, `promoted: ${JSON.stringify(more.body)}`)
    // Fewer places than booked: the refusal counts them.
    const fewer = await admin('PUT', `/schedules/${full.id}/capacity`, { capacity: 1 })
    assert(fewer.status === 409 && fewer.body.code === 'CAPACITY_BELOW_BOOKED', `refused: ${JSON.stringify(fewer.body)}`)

    // At check-in the booking is tagged 候补; the desk moves it to the doctor's next session.
    await dsk.goto(`${base}/check-in`)
    await dsk.getByTestId('checkin-search').fill(second.documentNo)
    await dsk.getByTestId('checkin-search-submit').click()
    const row = dsk.getByTestId('checkin-table').locator('.el-table__row', { hasText: second.name })
    await row.getByTestId('from-waitlist').waitFor()
    await row.getByTestId('checkin-move').click()
    await dsk.getByTestId('move-schedule').click()
    await dsk.locator('.el-select-dropdown__item', { hasText: '32诊室' }).click()
    await shot(dsk, '71-move-dialog')
    await dsk.getByTestId('move-save').click()
    await message(dsk, '已改约')
    const moved = await desk('GET', `/schedules/${other.id}`)
    assert(moved.body.booked_count === 1, `the other session holds the booking: ${JSON.stringify(moved.body)}`)
    await dsk.context().close()
  })

  await suite.test('booking rules: the administrator sets them; a refusal says when booking opens', async () => {
    const before = (await admin('GET', '/booking-rules')).body
    const adm = await page()
    await login(adm, base, 'admin')
    await adm.goto(`${base}/admin/booking-rules`)
    await adm.getByTestId('booking-rules-form').waitFor()
    // Release two days ahead; limit bookings held; the no-show rule on.
    if (!(await adm.getByTestId('rules-open').locator('input').isChecked())) await adm.getByTestId('rules-open').click()
    await adm.getByTestId('rules-open_days_ahead').locator('input').fill('2')
    if (!(await adm.getByTestId('rules-no_show').locator('input').isChecked())) await adm.getByTestId('rules-no_show').click()
    await adm.getByTestId('rules-no_show_limit').locator('input').fill('3')
    await shot(adm, '72-booking-rules')
    await adm.getByTestId('booking-rules-save').click()
    await message(adm, '已保存')
    const saved = (await admin('GET', '/booking-rules')).body
    assert(saved.open_days_ahead === 2 && saved.no_show?.limit === 3, `saved: ${JSON.stringify(saved)}`)

    // A session a week ahead is not open for booking yet: the refusal says when it opens.
    assert(setUp, 'the waitlist scenario set up a doctor')
    const { doctor, department } = setUp
    const later = await admin('POST', '/schedules', {
      doctor_id: doctor.id,
      date: addDays(today, 7),
      time_slot: 'MORNING',
      room_no: '33诊室',
      capacity: 5,
    })
    assert(later.status === 201, `schedule created: ${JSON.stringify(later.body)}`)
    const p = await patient('冯晓燕')
    const refused = await desk('POST', '/appointments', { patient_id: p.id, schedule_id: later.body.id })
    assert(refused.status === 409 && refused.body.code === 'BOOKING_NOT_OPEN', `refused: ${JSON.stringify(refused.body)}`)
    const opens = refused.body.conflict.at
    const [, m, d] = opens.slice(0, 10).split('-').map(Number)
    const dsk = await page()
    await login(dsk, base, 'frontdesk')
    await dsk.goto(`${base}/patients`)
    await dsk.getByTestId('patient-search').fill(p.documentNo)
    await dsk.getByTestId('patient-search-submit').click()
    await dsk.getByTestId('patients-table').locator('.el-table__row').first().getByTestId('patient-book').click()
    await dsk.getByTestId('patient-picker').locator('.el-select__selected-item', { hasText: p.name }).waitFor()
    await dsk.getByTestId('booking-departments').getByText(department.name, { exact: true }).click()
    await dsk.getByTestId('booking-doctors').locator('label', { hasText: doctor.name }).click()
    await dsk.locator(`[data-date="${addDays(today, 7)}"]`).click()
    await dsk.getByTestId('booking-slots').locator('[data-slot="MORNING"]').click()
    await dsk.getByTestId('booking-submit').click()
    const text = (await dsk.getByTestId('booking-conflict').textContent()).trim()
    assert(text === `该时段 ${m}月${d}日 ${opens.slice(11, 16)} 开放预约`, `the refusal says when booking opens, got ${text}`)
    await shot(dsk, '73-booking-not-open')
    await dsk.context().close()
    await adm.context().close()
    const restored = await admin('PUT', '/booking-rules', before)
    assert(restored.status === 200, `rules restored: ${JSON.stringify(restored.body)}`)
  })
}

function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}
