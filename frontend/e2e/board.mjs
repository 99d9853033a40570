// The waiting-room board: pages of room cards that fit the screen and turn by themselves, voice calling (语音叫号)
// heard through a recorder in place of the browser's speech, and the public display page opened by a display link.
import { apiAs, assert, idCard, login, mobile } from './helpers.mjs'

/** Replaces speechSynthesis.speak with a recorder: each sentence, when it started and ended, and any overlap. */
function recordSpeech() {
  window.__spoken = []
  window.__overlap = false
  let speaking = 0
  const synth = window.speechSynthesis ?? {}
  synth.cancel = () => undefined
  synth.speak = (u) => {
    speaking += 1
    if (speaking > 1) window.__overlap = true
    const entry = { text: u.text, lang: u.lang, start: Date.now(), end: null }
    window.__spoken.push(entry)
    // A voice takes its time, then says it has finished.
    setTimeout(() => {
      speaking -= 1
      entry.end = Date.now()
      u.onend?.(new Event('end'))
    }, 1200)
  }
  if (!window.speechSynthesis) Object.defineProperty(window, 'speechSynthesis', { value: synth })
}

async function newPage(browser, timezone, viewport, init) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: timezone })
  context.setDefaultTimeout(15_000)
  if (init) await context.addInitScript(init)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`))
  return page
}

/** The sentence the board should say for a room's current patient, read from the board as the server has it. */
async function expectedCall(api, roomNo) {
  const board = await api('GET', '/queue-board')
  const room = board.body.rooms.find((r) => r.room_no === roomNo)
  assert(room?.current, `room ${roomNo} has a current patient: ${JSON.stringify(board.body)}`)
  const location = room.location ?? ''
  const place = room.room_no.startsWith(location) ? room.room_no : `${location}${room.room_no}`
  return `请 ${room.current.queue_no} 号 ${room.current.masked_name} 到 ${place} 就诊`
}

export async function boardScenarios({ suite, browser, base, shot, timezone, today, slot, schedule }) {
  const admin = await apiAs(base, 'admin')
  const desk = await apiAs(base, 'frontdesk')
  const ROOMS = 14

  // A birth date a patient: random identity numbers of one date would soon collide.
  let born = 0
  /** A patient booked on `scheduleId` and checked in. */
  async function checkedIn(scheduleId, name) {
    born += 1
    const p = await desk('POST', '/patients', {
      name,
      document_type: 'ID_CARD',
      document_no: idCard(`19${50 + (born % 40)}0${1 + (born % 9)}1${born % 10}`, false),
      phone: mobile(),
      gender: 'FEMALE',
      insurance_type: 'RESIDENT',
    })
    assert(p.status === 201, `patient created: ${JSON.stringify(p.body)}`)
    const a = await desk('POST', '/appointments', { patient_id: p.body.id, schedule_id: scheduleId })
    assert(a.status === 201, `booked: ${JSON.stringify(a.body)}`)
    const c = await desk('POST', `/appointments/${a.body.id}/check-in`)
    assert(c.status === 200, `checked in: ${JSON.stringify(c.body)}`)
    return a.body
  }

  let department = null
  await suite.test('queue board: more rooms than fit are paged to the screen and turn by themselves', async () => {
    const code = `BRD${String(Date.now()).slice(-5)}`
    const dep = await admin('POST', '/departments', { code, name: `候诊测试${code.slice(-3)}`, location: '门诊楼2层A区' })
    assert(dep.status === 201, `department created: ${JSON.stringify(dep.body)}`)
    department = dep.body
    for (let i = 1; i <= ROOMS; i += 1) {
      const d = await admin('POST', '/doctors', {
        name: `候诊医生${i}`,
        department_id: department.id,
        title: 'ATTENDING',
        phone: mobile(),
        available_slots_per_day: 30,
      })
      assert(d.status === 201, `doctor created: ${JSON.stringify(d.body)}`)
      const s = await admin('POST', '/schedules', {
        doctor_id: d.body.id,
        date: today,
        time_slot: slot,
        room_no: `${i}诊室`,
        capacity: 20,
      })
      assert(s.status === 201, `schedule created: ${JSON.stringify(s.body)}`)
      // A few rooms with patients waiting, for the picture.
      if (i <= 3) for (const n of ['陈秀兰', '林志强', '黄丽娟', '吴建国']) await checkedIn(s.body.id, n)
    }

    for (const [width, height, perPage] of [
      [1366, 768, 6],
      [1920, 1080, 12],
    ]) {
      const page = await newPage(browser, timezone, { width, height })
      await login(page, base, 'frontdesk')
      await page.goto(`${base}/board?department_id=${department.id}`)
      const rooms = page.getByTestId('board-rooms')
      await page.getByTestId('board-room').first().waitFor()
      assert(
        Number(await rooms.getAttribute('data-per-page')) === perPage,
        `${perPage} cards fit at ${width}×${height}, got ${await rooms.getAttribute('data-per-page')}`,
      )
      const cards = await page.getByTestId('board-room').count()
      assert(cards === perPage, `a full page shows ${perPage} cards, got ${cards}`)
      // Every card lies inside the screen.
      const outside = await page.getByTestId('board-room').evaluateAll(
        (els, [w, h]) => els.filter((e) => e.getBoundingClientRect().bottom > h || e.getBoundingClientRect().right > w).length,
        [width, height],
      )
      assert(outside === 0, `${outside} cards overflow the screen at ${width}×${height}`)
      const pager = page.getByTestId('board-page')
      const pages = Math.ceil(ROOMS / perPage)
      assert(Number(await pager.getAttribute('data-pages')) === pages, `${pages} pages at ${width}×${height}`)
      assert((await pager.textContent()).includes(`1 / ${pages}`), `the indicator reads 1 / ${pages}`)
      const first = await page.getByTestId('board-room').first().getAttribute('data-room')
      await shot(page, `queue-board-${width}`)
      // The next page comes by itself within ten seconds or so.
      await page.locator('[data-testid="board-page"][data-page="2"]').waitFor({ timeout: 14_000 })
      const turned = await page.getByTestId('board-room').first().getAttribute('data-room')
      assert(turned !== first, `page 2 shows other rooms (${first} → ${turned})`)
      await shot(page, `queue-board-${width}-page-2`)
      await page.context().close()
    }
  })

  await suite.test('queue board: voice calling says each call once, in order, never over another', async () => {
    const doctor = await apiAs(base, 'doctor')
    // Two patients waiting for the demo doctor's room.
    await checkedIn(schedule.id, '张春兰')
    await checkedIn(schedule.id, '赵德明')
    const board = await newPage(browser, timezone, { width: 1366, height: 768 }, recordSpeech)
    await login(board, base, 'frontdesk')
    await board.goto(`${base}/board?department_id=${schedule.department_id}`)
    await board.locator(`[data-testid="board-room"][data-room="${schedule.room_no}"]`).waitFor()
    // What was current when the board opened is not announced.
    await board.waitForTimeout(5000)
    assert((await board.evaluate(() => window.__spoken.length)) === 0, 'nothing is said on opening')

    const expected = []
    const heard = async (n) =>
      board.waitForFunction((k) => window.__spoken.filter((s) => s.end !== null).length >= k, n, { timeout: 20_000 })

    const called = await doctor('POST', '/doctor/queue/call-next')
    assert(called.status === 200, `called: ${JSON.stringify(called.body)}`)
    expected.push(await expectedCall(admin, schedule.room_no))
    await heard(1)
    await shot(board, 'queue-board-called')

    // 重呼 and 过号 from the doctor's workstation.
    const ws = await newPage(browser, timezone, { width: 1366, height: 768 })
    await login(ws, base, 'doctor')
    await ws.getByTestId(`queue-entry-${called.body.queue_no}`).click()
    await ws.getByTestId('queue-recall').click()
    expected.push(await expectedCall(admin, schedule.room_no))
    await heard(2)

    // 过号: the patient goes to the back and the next one is called.
    await ws.getByTestId('queue-skip').click()
    await ws.locator('.el-message-box__btns .el-button--primary').click()
    await ws.getByTestId('queue-requeued').first().waitFor()
    await shot(ws, 'doctor-skipped')
    // The latest call is the next patient's.
    const queue = (await doctor('GET', '/doctor/queue')).body
    const next = queue.filter((e) => e.called_at).sort((x, y) => y.called_at.localeCompare(x.called_at))[0]
    assert(next && next.appointment_id !== called.body.appointment_id, `the next patient is called: ${JSON.stringify(next)}`)
    assert(queue.find((e) => e.appointment_id === called.body.appointment_id)?.requeued_at, 'the skipped patient is requeued')
    expected.push(await expectedCall(admin, schedule.room_no))
    await heard(3)
    await ws.context().close()
    await board.waitForTimeout(4500)

    const spoken = await board.evaluate(() => window.__spoken)
    assert(
      JSON.stringify(spoken.map((s) => s.text)) === JSON.stringify(expected),
      `said ${JSON.stringify(spoken.map((s) => s.text))}, expected ${JSON.stringify(expected)}`,
    )
    assert(spoken.every((s) => s.lang === 'zh-CN'), 'spoken in Mandarin')
    assert(!(await board.evaluate(() => window.__overlap)), 'no sentence starts before the last has ended')
    for (let i = 1; i < spoken.length; i += 1) assert(spoken[i].start >= spoken[i - 1].end, 'one after another')

    // Muted: a call is shown, not said.
    await board.getByTestId('board-mute').click()
    await doctor('POST', `/doctor/queue/${next.appointment_id}/recall`)
    await board.waitForTimeout(6000)
    assert((await board.evaluate(() => window.__spoken.length)) === 3, 'nothing is said while muted')
    await board.context().close()
  })

  await suite.test('display link: the administrator makes one, a screen opens it without signing in, until revoked', async () => {
    const adm = await newPage(browser, timezone, { width: 1366, height: 768 })
    await login(adm, base, 'admin')
    await adm.goto(`${base}/admin/display-links`)
    await adm.getByTestId('display-link-create').click()
    await adm.getByTestId('display-link-dialog').waitFor().catch(() => shot(adm, 'failure-display-link-dialog'))
    await adm.getByTestId('display-link-name').fill('门诊楼2层候诊区')
    await adm.getByTestId('display-link-area').fill('门诊楼2层')
    await adm.getByTestId('display-link-save').click()
    const url = (await adm.getByTestId('display-link-url').inputValue()).trim()
    assert(url.startsWith(`${base}/display?token=dsp_`), `the link's address is shown once, got ${url}`)
    await adm.waitForTimeout(400)
    await shot(adm, 'display-link-created')
    await adm.keyboard.press('Escape')
    await adm.getByTestId('display-links-table').locator('.el-table__row', { hasText: '门诊楼2层候诊区' }).waitFor()

    // A screen with no session at all.
    const screen = await newPage(browser, timezone, { width: 1920, height: 1080 })
    await screen.goto(url)
    await screen.getByTestId('board-room').first().waitFor()
    assert(new URL(screen.url()).pathname === '/display', `no detour to the login page, got ${screen.url()}`)
    const shown = await screen.getByTestId('board-room').evaluateAll((els) => els.map((e) => e.dataset.room))
    assert(shown.length > 0, 'the rooms of the area are shown')
    await shot(screen, 'display-board')

    // Revoked: the screen says so at its next poll.
    const row = adm.getByTestId('display-links-table').locator('.el-table__row', { hasText: '门诊楼2层候诊区' })
    await row.locator('[data-action="remove"]').click()
    await adm.locator('.el-message-box__btns .el-button--danger').click()
    await row.getByText('已撤销').waitFor()
    await screen.getByTestId('board-refused').waitFor({ timeout: 15_000 })
    assert((await screen.getByTestId('board-refused').textContent()).includes('已失效'), 'the screen says the link is refused')
    await shot(screen, 'display-board-revoked')
    // The link's token opens nothing else either.
    const token = new URL(url).searchParams.get('token')
    const other = await fetch(`${base}/api/v1/queue-board`, { headers: { Authorization: `Bearer ${token}` } })
    assert(other.status === 401, `the token is no staff session: ${other.status}`)
    await screen.context().close()
    await adm.context().close()
  })
}
