// The accounting screens in the browser, on the demo's accounting model and charge lines: a task created,
// followed to the end and opened as a matrix; a drill-down whose total is the cell's; the same cell of a
// task run with the legacy workflow (no calculation details) drilled from the charge lines; a workload or
// cost cell that offers no drill-down; the value summary, orientation adjustments and exports; the model
// version, its tree with the derived rules, a copy edited (node added and moved, mappings imported from
// CSV: a bad file's row report, then a good file) and activated; a month that is over reviewed, published,
// locked and reopened (with its reason) from a task's page, by the analyst and the administrator.
import { DEMO_PASSWORD, apiAs, assert, downloadedBytes, localNow, login, message, settled } from './helpers.mjs'

/** The month before `period` (yyyy-mm). */
export function monthBefore(period) {
  const [y, m] = period.split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

/** Waits until every calculation the server queued at start has finished; returns them. */
export async function finishedTasks(analyst) {
  for (let i = 0; i < 360; i++) {
    const r = await analyst('GET', '/calculation-tasks?page_size=200')
    assert(r.status === 200, `tasks listed: ${r.status}`)
    if (r.body.items.every((t) => t.status === 'SUCCEEDED' || t.status === 'FAILED')) return r.body.items
    await new Promise((done) => setTimeout(done, 500))
  }
  throw new Error('the demo calculations did not finish')
}

/** Imports a few charge lines for `period` and calculates it (the standard workflow), through the API. */
async function calculateSmallMonth(base, analyst, period) {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'analyst', password: DEMO_PASSWORD }),
  })
  const { access_token: token } = await login.json()
  const lines = [
    'source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,item_name,item_category,quantity,amount,charged_at',
    `E2E-PREV-${period}-1,OUTPATIENT,INT,LAB,LAB-0001,血常规（五分类）,LAB,10,205.00,${period}-10 09:15:00`,
    `E2E-PREV-${period}-2,OUTPATIENT,SUR,LAB,LAB-0001,血常规（五分类）,LAB,4,82.00,${period}-11 10:00:00`,
  ]
  const form = new FormData()
  form.append('file', new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }), 'previous.csv')
  const imported = await fetch(`${base}/api/v1/imports/charges`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  })
  assert(imported.ok, `charge lines for ${period} imported: ${imported.status} ${await imported.text()}`)
  const task = await analyst('POST', '/calculation-tasks', { period })
  assert(task.status === 202, `a calculation for ${period} queued: ${task.status}`)
  await finishedTasks(analyst)
}

/**
 * The months the scenarios run on, chosen from the demo's own calculations rather than from the day of the
 * run: `period`, the latest month that has a calculated month before it (so the value summary has changes
 * to draw), and `first`, the earliest calculated month (nothing before it to compare with). The demo's 30
 * days of visits span two months on every day but the 31st; then the month before gets a few charge lines
 * and a calculation of its own.
 */
async function scenarioPeriods(base) {
  const analyst = await apiAs(base, 'analyst')
  let tasks = await finishedTasks(analyst)
  const months = () => [...new Set(tasks.filter((t) => t.status === 'SUCCEEDED').map((t) => t.period))].sort()
  let period = months()
    .filter((p) => months().includes(monthBefore(p)))
    .pop()
  if (!period) {
    period = months().pop()
    assert(period, 'the demo has calculated months')
    await calculateSmallMonth(base, analyst, monthBefore(period))
    tasks = await finishedTasks(analyst)
  }
  const first = months()[0]
  const firstTask = tasks.find((t) => t.period === first && t.status === 'SUCCEEDED')
  return { period, first, firstTask: firstTask.id }
}

/** Creates a task in the dialog and waits on its page until it has finished; returns its id. */
async function createTask(page, period, workflowText) {
  await page.getByTestId('nav-accounting-tasks').click()
  await page.getByTestId('tasks-table').waitFor()
  await page.getByTestId('task-create').click()
  const dialog = page.getByTestId('task-dialog')
  await dialog.waitFor()
  const input = page.getByTestId('task-period').locator('input')
  await input.fill(period)
  await input.press('Enter')
  if (workflowText) {
    await page.getByTestId('task-workflow').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: workflowText }).first().click()
  }
  await settled(page)
  await page.getByTestId('task-submit').click()
  await page.waitForURL(/\/accounting\/tasks\/\d+$/)
  const id = Number(new URL(page.url()).pathname.split('/').pop())
  const progress = page.getByTestId('task-progress')
  await page
    .locator('[data-testid="task-progress"][data-status="SUCCEEDED"], [data-testid="task-progress"][data-status="FAILED"]')
    .waitFor({ timeout: 180_000 })
  const status = await progress.getAttribute('data-status')
  if (status !== 'SUCCEEDED') {
    const error = await page.getByTestId('task-error').textContent().catch(() => '')
    throw new Error(`task ${id} for ${period} ${status}: ${error}`)
  }
  return id
}

/** Opens a task's matrix showing amounts. */
async function openMatrix(page, base, id) {
  await page.goto(`${base}/accounting/tasks/${id}/results?metric=amount`)
  await page.getByTestId('matrix-row').first().waitFor()
  await settled(page)
}

/** The first drillable cell with an amount (a node's total, not a business type's part). */
async function firstDrillableCell(page) {
  return page.evaluate(() => {
    for (const el of document.querySelectorAll('[data-testid="matrix-cell"][data-drillable="true"]')) {
      const text = el.textContent.trim()
      if (el.dataset.businessType === '' && text && !/^0\.00$/.test(text)) {
        return { department: el.closest('[data-testid="matrix-row"]').dataset.department, node: el.dataset.node, text }
      }
    }
    return null
  })
}

function cellLocator(page, department, node, businessType = '') {
  return page
    .locator(`[data-testid="matrix-row"][data-department="${department}"]`)
    .locator(`[data-testid="matrix-cell"][data-node="${node}"][data-business-type="${businessType}"]`)
}

/** Opens the drill-down of a cell and returns the drawer's total amount as shown (without the ¥ sign). */
async function drill(page, cell) {
  await cell.click()
  const drawer = page.locator('.el-drawer:visible')
  await drawer.waitFor()
  await drawer.getByTestId('drill-source').waitFor()
  await settled(page)
  return (await drawer.getByTestId('drill-total-amount').textContent()).trim().replace('¥', '')
}

/** Waits until no toast is showing (they cover the drawer's head in screenshots). */
async function quiet(page) {
  await page
    .waitForFunction(() => document.querySelectorAll('.el-message').length === 0, null, { timeout: 8000 })
    .catch(() => undefined)
}

async function closeDrawer(page) {
  await page.locator('.el-drawer:visible .el-drawer__close-btn').click()
  // Away from the header's menus, which open on hover.
  await page.mouse.move(500, 400)
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.el-drawer')].every((d) => d.getClientRects().length === 0),
  )
}

export async function accountingScenarios({ suite, person, base, shot }) {
  const { period, first, firstTask } = await scenarioPeriods(base)
  /** The standard task's drilled cell, for the legacy task to compare with. */
  let drilled = null

  await suite.test(`analyst: accounting task for ${period}, progress, matrix, drill-down equals the cell`, async () => {
    const an = await person()
    await login(an, base, 'analyst')
    await an.getByTestId('nav-accounting-tasks').click()
    await an.getByTestId('tasks-table').waitFor()
    await settled(an)
    await shot(an, '40-accounting-tasks')

    const id = await createTask(an, period)
    await an.getByTestId('task-steps').waitFor()
    const log = await an.getByTestId('task-log').textContent()
    assert(log.includes('PREPARE') && log.includes('SUMMARIZE_VALUE'), 'the step log names the steps')
    assert(
      (await an.locator('[data-testid="task-steps"] .el-step__head.is-success').count()) === 5,
      'the five steps of the standard workflow are done',
    )
    await settled(an)
    await quiet(an)
    await shot(an, '41-accounting-task-succeeded')

    await an.getByTestId('task-open-results').click()
    await an.getByTestId('matrix-row').first().waitFor()
    await settled(an)
    await quiet(an)
    await shot(an, '42-accounting-results-value')
    await an.getByTestId('results-metric').getByText('金额', { exact: true }).click()
    await an.waitForURL(/metric=amount/)
    await settled(an)

    // A drillable cell: the drawer's total is the cell's amount.
    const cell = await firstDrillableCell(an)
    assert(cell, 'the matrix has a drillable cell with an amount')
    const target = cellLocator(an, cell.department, cell.node)
    assert((await target.evaluate((el) => el.tagName)) === 'BUTTON', 'a drillable cell is a button')
    const total = await drill(an, target)
    assert(total === cell.text, `drill-down total ${total} equals the cell's amount ${cell.text}`)
    const source = an.locator('.el-drawer:visible').getByTestId('drill-source')
    assert((await source.getAttribute('data-source')) === 'calculation_details', 'read from the calculation details')
    assert((await source.textContent()).includes('核算明细'), 'the badge names the calculation details')
    const items = await an.locator('.el-drawer:visible [data-testid="drill-table"] .el-table__body .el-table__row').count()
    assert(items > 0, 'the drawer lists charge items')
    await quiet(an)
    await shot(an, '43-accounting-drill-down')

    // Sorted by the server the other way: the same total.
    await an.locator('.el-drawer:visible .el-table__header th', { hasText: '金额' }).click()
    await settled(an)
    const resorted = (await an.locator('.el-drawer:visible').getByTestId('drill-total-amount').textContent()).trim()
    assert(resorted.replace('¥', '') === cell.text, 'sorting changes no total')

    // The whole hospital: the totals row's figure.
    await an.locator('.el-drawer:visible').getByTestId('drill-department').click()
    await an.locator('.el-select-dropdown__item:visible', { hasText: '全院' }).first().click()
    await settled(an)
    const hospital = (await an.locator('.el-drawer:visible').getByTestId('drill-total-amount').textContent()).trim()
    const totalsCell = an.locator(
      `[data-testid="matrix-totals"] [data-testid="matrix-total"][data-node="${cell.node}"][data-business-type=""]`,
    )
    const totalsText = (await totalsCell.textContent()).trim()
    assert(hospital.replace('¥', '') === totalsText, `whole hospital ${hospital} equals the totals row ${totalsText}`)
    await closeDrawer(an)
    drilled = { ...cell, id }

    // Outpatient / inpatient parts of the nodes that keep them.
    const breakdown = an.getByTestId('results-breakdown')
    if (await breakdown.count()) {
      await an.getByTestId('results-expand-all').click()
      await breakdown.click()
      await an.locator('[data-testid="matrix-header"][data-business-type="OUTPATIENT"]').first().waitFor()
      const part = await an.evaluate(() => {
        for (const el of document.querySelectorAll('[data-testid="matrix-cell"][data-drillable="true"]')) {
          const text = el.textContent.trim()
          if (el.dataset.businessType && text && text !== '0.00') {
            const row = el.closest('[data-testid="matrix-row"]').dataset.department
            return { department: row, node: el.dataset.node, businessType: el.dataset.businessType, text }
          }
        }
        return null
      })
      if (part) {
        const partTotal = await drill(an, cellLocator(an, part.department, part.node, part.businessType))
        assert(partTotal === part.text, `the ${part.businessType} part drills to its amount ${part.text}, got ${partTotal}`)
        await closeDrawer(an)
      }
      await settled(an)
      await shot(an, '44-accounting-results-breakdown')
      await breakdown.click()
    }

    // Workload and cost cells are plain text: no button, no link look, nothing opens.
    await an.getByTestId('results-collapse-all').click()
    const plain = an
      .locator('[data-testid="matrix-cell"][data-kind="COST"], [data-testid="matrix-cell"][data-kind="WORKLOAD"]')
      .first()
    await plain.waitFor()
    assert((await plain.getAttribute('data-drillable')) === 'false', 'a cost or workload cell is not drillable')
    assert((await plain.evaluate((el) => el.tagName)) === 'DIV', 'a cost or workload cell is not a button')
    const cursor = await plain.evaluate((el) => getComputedStyle(el).cursor)
    assert(cursor !== 'pointer', `a cost or workload cell does not look clickable (cursor ${cursor})`)
    await plain.click()
    await an.waitForTimeout(600)
    assert((await an.locator('.el-drawer:visible').count()) === 0, 'clicking a cost or workload cell opens nothing')
    // The server agrees.
    const analyst = await apiAs(base, 'analyst')
    const matrix = await analyst('GET', `/calculation-tasks/${id}/results`)
    const code = await plain.getAttribute('data-node')
    const node = matrix.body.nodes.find((n) => n.code === code)
    const refused = await analyst('GET', `/calculation-tasks/${id}/drill-down?department_id=all&node_id=${node.id}`)
    assert(
      refused.status === 422 && refused.body.code === 'NODE_NOT_DRILLABLE',
      `the server refuses to drill ${code}: ${refused.status}`,
    )
    await settled(an)
    await shot(an, '45-accounting-results-collapsed')

    const download = an.waitForEvent('download')
    await an.getByTestId('results-xlsx').click()
    const file = await download
    assert(file.suggestedFilename().endsWith('.xlsx'), `an .xlsx file, got ${file.suggestedFilename()}`)
    assert((await downloadedBytes(file)).subarray(0, 2).toString() === 'PK', 'the results export is a workbook')

    await an.getByTestId('task-tabs').getByText('价值汇总', { exact: true }).click()
    await an.getByTestId('summary-table').locator('.el-table__body .el-table__row').first().waitFor()
    await an.locator('[data-testid="summary-net-chart"][data-ready="true"] canvas').first().waitFor()
    assert(
      (await an.getByTestId('summary-table').locator('.el-table__footer').textContent()).includes('全院合计'),
      'the summary ends with the hospital totals',
    )
    await an.locator('[data-testid="summary-change-chart"][data-ready="true"] canvas').first().waitFor()
    await settled(an)
    await quiet(an)
    await shot(an, '46-accounting-value-summary')
    const summaryDownload = an.waitForEvent('download')
    await an.getByTestId('summary-xlsx').click()
    assert((await downloadedBytes(await summaryDownload)).subarray(0, 2).toString() === 'PK', 'summary workbook')

    await an.getByTestId('task-tabs').getByText('导向调整', { exact: true }).click()
    await an.getByTestId('orientation-table').waitFor()
    await settled(an)
    await shot(an, '47-accounting-orientation')
    const orientationDownload = an.waitForEvent('download')
    await an.getByTestId('orientation-xlsx').click()
    assert(
      (await downloadedBytes(await orientationDownload)).subarray(0, 2).toString() === 'PK',
      'orientation workbook',
    )
    await an.context().close()
  })

  await suite.test(`analyst: the value summary of ${first}, the first month, says there is nothing to compare with`, async () => {
    const an = await person()
    await login(an, base, 'analyst')
    await an.goto(`${base}/accounting/tasks/${firstTask}/value-summary`)
    await an.getByTestId('summary-table').locator('.el-table__body .el-table__row').first().waitFor()
    await an.locator('[data-testid="summary-net-chart"][data-ready="true"] canvas').first().waitFor()
    const changes = an.getByTestId('summary-change-chart')
    await changes.getByText('没有上月或去年同期已完成的核算任务，暂无对比').waitFor()
    assert((await changes.getAttribute('data-ready')) === 'false', 'no change chart is drawn')
    const mom = await an
      .getByTestId('summary-table')
      .locator('.el-table__body .el-table__row')
      .evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td')[8]?.textContent.trim()))
    assert(mom.length > 0 && mom.every((text) => text === '—'), `no month-on-month change: ${mom.join(' ')}`)
    await an.context().close()
  })

  await suite.test('analyst: accounting task on the legacy workflow drills into the charge lines with the same total', async () => {
    assert(drilled, 'the standard task was drilled first')
    const an = await person()
    await login(an, base, 'analyst')
    const id = await createTask(an, period, '旧版')
    const log = await an.getByTestId('task-log').textContent()
    assert(!log.includes('GENERATE_DETAILS'), 'the legacy workflow makes no calculation details')
    await openMatrix(an, base, id)
    const cell = cellLocator(an, drilled.department, drilled.node)
    const text = (await cell.textContent()).trim()
    assert(text === drilled.text, `the legacy task's cell ${text} equals the standard one's ${drilled.text}`)
    const total = await drill(an, cell)
    assert(total === drilled.text, `the fallback drill-down total ${total} equals the cell ${drilled.text}`)
    const source = an.locator('.el-drawer:visible').getByTestId('drill-source')
    assert((await source.getAttribute('data-source')) === 'charge_details', 'read from the charge lines')
    assert((await source.textContent()).includes('收费明细'), 'the badge names the fallback')
    await source.hover()
    await an.locator('.el-popper:visible', { hasText: 'charge_details' }).waitFor()
    await quiet(an)
    await shot(an, '48-accounting-drill-down-legacy')
    await closeDrawer(an)

    // Both tasks in the list, finished.
    await an.getByTestId('nav-accounting-tasks').click()
    await an.locator(`[data-testid="tasks-table"] [data-task="${id}"][data-status="SUCCEEDED"]`).waitFor()
    await an.locator(`[data-testid="tasks-table"] [data-task="${drilled.id}"][data-status="SUCCEEDED"]`).waitFor()
    await settled(an)
    await shot(an, '49-accounting-tasks-done')
    await an.context().close()
  })
}

/** A results matrix the size of a real hospital: 100 departments × 100 nodes (4 series × 4 groups × 5 leaves). */
export function largeMatrix(taskId) {
  const series = ['DOCTOR', 'TECH', 'NURSING', 'COST']
  const prefix = { DOCTOR: 'doc', TECH: 'tech', NURSING: 'nur', COST: 'cost' }
  const nodes = []
  let id = 1
  for (const s of series) {
    const root = { id: id++, parent_id: null, code: `dim-${prefix[s]}`, name: `${s} 系列`, series: s, depth: 0, is_leaf: false }
    nodes.push(root)
    for (let g = 1; g <= 4; g++) {
      const group = { id: id++, parent_id: root.id, code: `${root.code}-g${g}`, name: `第 ${g} 组`, series: s, depth: 1, is_leaf: false }
      nodes.push(group)
      for (let l = 1; l <= 5; l++) {
        nodes.push({ id: id++, parent_id: group.id, code: `${group.code}-${l}`, name: `维度 ${g}-${l}`, series: s, depth: 2, is_leaf: true })
      }
    }
  }
  for (const n of nodes) {
    n.kind = n.series === 'COST' ? 'COST' : 'CHARGE'
    n.drillable = n.kind === 'CHARGE'
    n.splits_business_type = n.series === 'DOCTOR' && n.is_leaf
  }
  const departments = Array.from({ length: 100 }, (_, i) => ({
    id: 1000 + i,
    code: `D${String(i + 1).padStart(3, '0')}`,
    name: `科室 ${i + 1}`,
  }))
  const cells = []
  const money = (n) => `${n}.0000`
  for (const d of departments) {
    for (const n of nodes) {
      const amount = ((d.id * 7 + n.id * 13) % 900) + 100
      const cell = { department_id: d.id, node_id: n.id, business_type: null, amount: money(amount) }
      cell.quantity = money(amount % 50)
      cell.weight = n.is_leaf ? '1.0000' : null
      cell.value = money(n.kind === 'COST' ? -amount : amount)
      cell.ratio = '0.2000'
      cells.push(cell)
      if (n.splits_business_type) {
        cells.push({ ...cell, business_type: 'OUTPATIENT', amount: money(amount - 50), value: money(amount - 50), ratio: null })
        cells.push({ ...cell, business_type: 'INPATIENT', amount: money(50), value: money(50), ratio: null })
      }
    }
  }
  const task = {
    id: taskId,
    period: '2026-10',
    model_version_id: 1,
    workflow_id: 1,
    status: 'SUCCEEDED',
    progress: 100,
    log: '',
    error: null,
    has_details: true,
    run_no: 1,
    created_at: new Date().toISOString(),
  }
  return { task, departments, nodes, cells }
}

/** Clicks a node of the dimension tree by its code. */
async function pickNode(page, code) {
  await page.locator(`[data-testid="tree-node"][data-code="${code}"]`).click()
  await page.getByTestId('node-detail').locator('.detail__title', { hasText: code }).waitFor()
}

export async function importScenario({ suite, person, base, shot }) {
  await suite.test('analyst: accounting imports a charge file (a bad one refused with its report), runs a task on it', async () => {
    // A server binary older than the imports answers 404 here (401 when the route exists).
    const probe = await fetch(`${base}/api/v1/imports/charges`, { method: 'POST' })
    if (probe.status === 404) {
      console.log('  (skipped: this server has no /api/v1/imports; rebuild it)')
      return
    }
    const an = await person()
    await login(an, base, 'analyst')
    // A month of its own, far from the demo's, so the figures are exactly the file's.
    const period = `${2001 + Math.floor(Math.random() * 20)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`
    const nonce = Date.now().toString(36)
    const header =
      'source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,item_name,item_category,quantity,amount,charged_at'
    const good = [
      header,
      `E2E-${nonce}-1,门诊,INT,LAB,LAB-0001,血常规（五分类）,LAB,1,20.50,${period}-10 09:15:00`,
      `E2E-${nonce}-2,OUTPATIENT,INT,LAB,LAB-0001,血常规（五分类）,LAB,2,41.00,${period}-12 10:00:00`,
      `E2E-${nonce}-3,OUTPATIENT,INT,LAB,LAB-0001,血常规（五分类）,LAB,-1,-20.50,${period}-13 11:00:00`,
    ]
    const bad = [...good.slice(0, 2), good[2].replace('41.00', '41.123456'), good[3].replace(',OUTPATIENT,', ',急诊,')]
    const csv = (lines, name) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) })

    await an.getByTestId('nav-accounting-imports').click()
    await an.getByTestId('imports-header').waitFor()
    await settled(an)
    await shot(an, '60-accounting-imports')

    await an.getByTestId('imports-upload').click()
    const dialog = an.getByTestId('upload-dialog')
    const input = dialog.locator('input[type="file"]')
    await input.setInputFiles(csv(bad, 'charges-bad.csv'))
    await dialog.getByTestId('upload-submit').click()
    const report = dialog.getByTestId('upload-report')
    await report.locator('.el-table__row').first().waitFor()
    const lines = await report.locator('.el-table__row td:first-child').allTextContents()
    assert(lines.map((l) => l.trim()).join() === '3,4', `the report names lines 3 and 4, got ${lines.join()}`)
    assert((await report.textContent()).includes('amount'), 'the report names the column')
    await dialog.locator('[data-testid="upload-progress"][data-percent="100"]').waitFor()
    await an.waitForTimeout(700) // the bar's own animation
    await quiet(an)
    await shot(an, '61-accounting-import-rejected')

    await input.setInputFiles(csv(good, 'charges.csv'))
    await dialog.getByTestId('upload-submit').click()
    await dialog.getByTestId('upload-result').waitFor()
    const done = await dialog.getByTestId('upload-result').textContent()
    assert(done.includes('新增 3 条') && done.includes(period), `three lines imported for ${period}: ${done}`)
    await dialog.locator('[data-testid="upload-progress"][data-percent="100"]').waitFor()
    await shot(an, '62-accounting-import-done')
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await an.getByTestId('imports-last').waitFor()

    // The same file again changes nothing.
    await an.getByTestId('imports-upload').click()
    await input.setInputFiles(csv(good, 'charges.csv'))
    await dialog.getByTestId('upload-submit').click()
    await dialog.getByTestId('upload-result').waitFor()
    const again = await dialog.getByTestId('upload-result').textContent()
    assert(again.includes('新增 0 条') && again.includes('已导入过 3 条'), `a second import adds nothing: ${again}`)
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()

    // Workload for the month, listed once imported.
    await an.getByTestId('imports-tabs').getByText('工作量', { exact: true }).click()
    await an.getByTestId('imports-upload').click()
    await input.setInputFiles(csv(['period,department_code,node_code,quantity', `${period},INT,dim-nur-bed,30`], 'workload.csv'))
    await dialog.getByTestId('upload-submit').click()
    await dialog.getByTestId('upload-result').waitFor()
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await an.getByTestId('imports-records').locator('.el-table__row', { hasText: period }).first().waitFor()
    await settled(an)
    await shot(an, '63-accounting-imports-workload')

    // A task on the imported month: 检验科's 检验 cell is the file's net amount, and so is its drill-down.
    await createTask(an, period)
    await an.getByTestId('task-open-results').click()
    await an.getByTestId('results-metric').getByText('金额', { exact: true }).click()
    const cell = cellLocator(an, 'LAB', 'dim-tech-lab')
    await cell.waitFor()
    const text = (await cell.textContent()).trim()
    assert(text === '41.00', `检验科 · 检验 is 20.50 + 41.00 − 20.50 = 41.00, got ${text}`)
    const total = await drill(an, cell)
    assert(total === '41.00', `its drill-down totals 41.00, got ${total}`)
    const quantity = (await an.locator('.el-drawer:visible [data-testid="drill-totals"]').textContent()).includes('2')
    assert(quantity, 'the drill-down counts 1 + 2 − 1 = 2')
    await closeDrawer(an)
    await an.context().close()
  })
}

export async function largeMatrixScenario({ suite, person, base, shot }) {
  await suite.test('analyst: accounting matrix of 100 departments × 100 nodes stays responsive', async () => {
    const an = await person()
    await login(an, base, 'analyst')
    const taskId = 990001
    const matrix = largeMatrix(taskId)
    await an.route(`**/api/v1/calculation-tasks/${taskId}/results`, (route) => route.fulfill({ json: matrix }))
    // Long tasks (main thread busy > 50 ms) while the matrix renders, expands, scrolls and switches.
    await an.addInitScript(() => {
      window.__longTasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration)
      }).observe({ type: 'longtask', buffered: true })
    })
    const timed = async (what, fn) => {
      const started = Date.now()
      await fn()
      const ms = Date.now() - started
      console.log(`  ${what}: ${ms} ms`)
      return ms
    }
    await timed('open', async () => {
      await an.goto(`${base}/accounting/tasks/${taskId}/results`)
      await an.locator('[data-testid="matrix-row"][data-department="D001"]').waitFor()
    })
    const grid = an.getByTestId('matrix')
    await timed('sort 100 departments by a column', async () => {
      await an.locator('[data-testid="matrix-sort"][data-node="dim-doc"][data-business-type=""]').click()
      await an.locator('[data-testid="matrix-sorted"][data-descending="true"]').waitFor()
    })
    const firstTwo = await an.evaluate(() =>
      [...document.querySelectorAll('[data-testid="matrix-row"]')]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .slice(0, 2)
        .map((row) => Number(row.querySelector('[data-node="dim-doc"]').textContent.trim().replace(/,/g, ''))),
    )
    assert(firstTwo[0] >= firstTwo[1], `rows ordered by 医生 value, largest first: ${firstTwo.join(' ≥ ')}`)
    // Smallest first, then the server's order again.
    const sortDoctor = an.locator('[data-testid="matrix-sort"][data-node="dim-doc"][data-business-type=""]')
    await sortDoctor.click()
    await an.locator('[data-testid="matrix-sorted"][data-descending="false"]').waitFor()
    await sortDoctor.click()
    await an.getByTestId('matrix-sorted').waitFor({ state: 'detached' })
    await timed('expand all (100 columns)', async () => {
      await an.getByTestId('results-expand-all').click()
      await an.locator('[data-testid="matrix-header"][data-node="dim-doc-g1-1"]').waitFor()
    })
    await timed('outpatient / inpatient parts (140 columns)', async () => {
      await an.getByTestId('results-breakdown').click()
      await an.locator('[data-testid="matrix-header"][data-node="dim-doc-g1-1"][data-business-type="INPATIENT"]').waitFor()
    })
    const rendered = await an.locator('[data-testid="matrix-cell"]').count()
    assert(rendered < 2000, `only the cells in view are rendered (${rendered} of ${100 * 140})`)
    await timed('scroll to the last department and node', async () => {
      await grid.evaluate((el) => {
        el.scrollTop = el.scrollHeight
        el.scrollLeft = el.scrollWidth
      })
      await an.locator('[data-testid="matrix-row"][data-department="D100"]').waitFor()
      await an.locator('[data-testid="matrix-header"][data-node="dim-cost-g4-5"]').waitFor()
    })
    await timed('switch to ratio', async () => {
      await an.getByTestId('results-metric').getByText('占比', { exact: true }).click()
      await an.locator('[data-testid="matrix-row"][data-department="D100"] [data-testid="matrix-cell"]', { hasText: '%' }).first().waitFor()
    })
    const longest = await an.evaluate(() => Math.max(0, ...window.__longTasks))
    console.log(`  longest main-thread task: ${Math.round(longest)} ms`)
    assert(longest < 1500, `no long freeze (longest task ${Math.round(longest)} ms)`)
    await grid.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2
      el.scrollLeft = el.scrollWidth / 3
    })
    await an.waitForTimeout(300)
    await settled(an)
    await shot(an, '64-accounting-results-100x100')

    // The accounting messages come with the screen, in the language shown: switched, and after a reload.
    await an.getByTestId('locale-menu').hover()
    await an.getByTestId('locale-en').click()
    await an.getByTestId('results-metric').getByText('Share', { exact: true }).waitFor()
    await an.getByTestId('task-tabs').getByText('Results matrix', { exact: true }).waitFor()
    await an.reload()
    await an.getByTestId('results-metric').getByText('Amount', { exact: true }).waitFor()
    await an.locator('[data-testid="matrix-totals"]', { hasText: 'Hospital total' }).waitFor()
    await settled(an)
    await shot(an, '65-accounting-results-english')
    await an.context().close()
  })
}

export async function modelScenarios({ suite, person, base, shot }) {
  await suite.test('analyst: accounting models, the tree with its derived rules, a copy edited and activated', async () => {
    const an = await person()
    await login(an, base, 'analyst')
    await an.getByTestId('nav-accounting-models').click()
    const row = an
      .getByTestId('models-table')
      .locator('.el-table__row')
      .filter({ has: an.getByTestId('model-open').getByText('2026 版核算模型', { exact: true }) })
    await row.waitFor()
    await settled(an)
    await shot(an, '50-accounting-models')

    // The demo version: tasks ran on it, so it is read-only; its rules come from the codes.
    await row.getByTestId('model-open').click()
    await an.getByTestId('dimension-tree').waitFor()
    await pickNode(an, 'dim-doc-out-eval-1')
    const rules = an.getByTestId('node-rules')
    const text = await rules.textContent()
    assert(text.includes('开单科室') && text.includes('仅门诊'), `outpatient diagnosis credits the prescriber: ${text}`)
    assert((await rules.locator('[data-drillable="true"]').count()) === 1, 'a charge leaf is drillable')
    assert((await an.getByTestId('node-form').count()) === 0, 'a version in use cannot be edited')
    await settled(an)
    await shot(an, '51-accounting-model-tree')
    await pickNode(an, 'dim-nur-bed')
    assert((await rules.textContent()).includes('工作量'), 'bed days are workload')
    assert((await rules.locator('[data-drillable="false"]').count()) === 1, 'a workload leaf is not drillable')

    await an.getByTestId('model-tabs').getByText('项目映射', { exact: true }).click()
    await an.getByTestId('mappings-table').locator('.el-table__body .el-table__row').first().waitFor()
    await settled(an)
    await shot(an, '52-accounting-model-mappings')
    await an.getByTestId('model-tabs').getByText('导向规则', { exact: true }).click()
    await an.getByTestId('rules-table').locator('.el-table__body .el-table__row').first().waitFor()
    await settled(an)
    await shot(an, '53-accounting-model-rules')

    // A copy to change.
    await an.getByTestId('nav-accounting-models').click()
    await row.getByTestId('model-copy').click()
    const name = `2026 版核算模型（调整 ${String(Date.now()).slice(-5)}）`
    const prompt = an.locator('.el-message-box')
    await prompt.locator('input').fill(name)
    await prompt.getByRole('button', { name: '确定' }).click()
    await an.waitForURL(/\/accounting\/models\/\d+/)
    const versionId = Number(new URL(an.url()).pathname.split('/').pop())
    await an.getByTestId('dimension-tree').waitFor()

    // A new leaf under 医技系列.
    await pickNode(an, 'dim-tech')
    await an.getByTestId('node-add').click()
    await an.getByTestId('node-code').fill('dim-tech-path')
    await an.getByTestId('node-new-name').fill('病理')
    await an.getByTestId('node-create').click()
    await an.locator('[data-testid="tree-node"][data-code="dim-tech-path"]').waitFor()
    await pickNode(an, 'dim-tech-path')
    assert((await rules.textContent()).includes('医技'), 'the new node is in the tech series')

    // 治疗 moves under 手术.
    await pickNode(an, 'dim-doc-treat')
    await an.getByTestId('node-parent').click()
    await an.locator('.el-select-dropdown__item:visible', { hasText: 'dim-doc-sur）' }).first().click()
    await an.getByTestId('node-save').click()
    await an.locator('.el-message', { hasText: '已保存' }).first().waitFor()
    const analyst = await apiAs(base, 'analyst')
    const tree = (await analyst('GET', `/model-versions/${versionId}/nodes`)).body.items
    const byCode = Object.fromEntries(tree.map((n) => [n.code, n]))
    assert(byCode['dim-doc-treat'].parent_id === byCode['dim-doc-sur'].id, '治疗 now sits under 手术')
    await pickNode(an, 'dim-doc-treat')
    await settled(an)
    await quiet(an)
    await shot(an, '54-accounting-model-tree-edited')

    // Mappings from CSV: a file with a bad row is refused whole, with the row named; then a good one.
    await an.getByTestId('model-tabs').getByText('项目映射', { exact: true }).click()
    await an.getByTestId('mappings-import').click()
    const dialog = an.getByTestId('upload-dialog')
    const fileInput = dialog.locator('input[type="file"]')
    await fileInput.setInputFiles({
      name: 'mappings-bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('node_code,item_code\ndim-tech-path,PATH-0001\ndim-no-such-node,PATH-0002\n'),
    })
    await dialog.getByTestId('upload-submit').click()
    await dialog.getByTestId('upload-report').locator('.el-table__row').first().waitFor()
    const report = await dialog.getByTestId('upload-report').textContent()
    assert(report.includes('3'), `the report names line 3: ${report}`)
    await dialog.locator('[data-testid="upload-progress"][data-percent="100"]').waitFor()
    await an.waitForTimeout(700) // the bar's own animation
    await settled(an)
    await quiet(an)
    await shot(an, '55-accounting-mappings-import-rejected')
    await fileInput.setInputFiles({
      name: 'mappings.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('node_code,item_code\ndim-tech-path,PATH-0001\ndim-tech-path,PATH-0002\n'),
    })
    await dialog.getByTestId('upload-submit').click()
    await dialog.getByTestId('upload-result').waitFor()
    assert((await dialog.getByTestId('upload-result').textContent()).includes('新增 2 条'), 'two mappings added')
    await dialog.locator('[data-testid="upload-progress"][data-percent="100"]').waitFor()
    await shot(an, '56-accounting-mappings-imported')
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await an.getByTestId('mappings-search').fill('PATH-')
    await an.getByTestId('mappings-search').press('Enter')
    await an.getByTestId('mappings-table').locator('.el-table__row', { hasText: 'PATH-0002' }).waitFor()
    assert((await an.getByTestId('mappings-table').locator('.el-table__body .el-table__row').count()) === 2, 'both found')

    // An orientation rule for the new node: an overlapping ladder is caught before it is sent.
    await an.getByTestId('model-tabs').getByText('导向规则', { exact: true }).click()
    await an.getByTestId('rule-add').click()
    await an.getByTestId('rule-node').locator('.el-select').click()
    await an.locator('.el-select-dropdown__item:visible', { hasText: 'dim-tech-path）' }).first().click()
    await an.getByTestId('rule-name').fill('病理量导向')
    await an.getByTestId('rule-benchmark').fill('500')
    await an.getByTestId('band-upper-0').fill('0.9')
    await an.getByTestId('rule-save').click()
    await an.getByTestId('rule-ladder').locator('.el-form-item__error', { hasText: '不能重叠' }).waitFor()
    await an.getByTestId('band-upper-0').fill('0.8')
    await an.getByTestId('rule-save').click()
    const ruleRow = an.getByTestId('rules-table').locator('.el-table__row', { hasText: '病理量导向' })
    await ruleRow.waitFor()
    assert((await ruleRow.textContent()).includes('[1.2, ∞) × 1.1'), 'the ladder is shown band by band')
    await settled(an)
    await quiet(an)
    await shot(an, '57-accounting-model-rule-added')

    // The copy becomes the version new tasks use.
    await an.getByTestId('nav-accounting-models').click()
    const copy = an.getByTestId('models-table').locator('.el-table__row', { hasText: name }).first()
    await copy.getByTestId('model-activate').click()
    await an.locator('.el-message-box').getByRole('button', { name: '确定' }).click()
    await copy.locator('[data-testid="model-active"]').waitFor()
    const versions = (await analyst('GET', '/model-versions')).body.items
    assert(versions.filter((v) => v.is_active).map((v) => v.id).join() === String(versionId), 'one active version: the copy')
    await settled(an)
    await shot(an, '58-accounting-models-activated')
    await an.context().close()
  })
}

/**
 * A month's life from a task's page: the analyst reviews the latest calculated month that is over (the demo
 * calculates this month and the one before), the administrator publishes it (the task cannot run again, a new
 * calculation of the month is refused), locks it and reopens it with a reason; the history names all four steps.
 * The month is a draft again at the end (reopened through the API should a step fail), so later scenarios may
 * still calculate and import it.
 */
export async function periodScenario({ suite, person, base, shot, timezone }) {
  const analyst = await apiAs(base, 'analyst')
  const admin = await apiAs(base, 'admin')
  const { date: today } = localNow(timezone)
  const tasks = (await finishedTasks(analyst)).filter((t) => t.status === 'SUCCEEDED' && t.period < today.slice(0, 7))
  const period = tasks.map((t) => t.period).sort().pop()
  const task = tasks.filter((t) => t.period === period).sort((a, b) => b.id - a.id)[0]
  const name = `analyst: the accounting period ${period} reviewed, published, locked and reopened from task #${task?.id}`

  /** Back to DRAFT (a server reused from an earlier run, or a step of this one that failed). */
  async function reopen() {
    const now = await admin('GET', `/accounting-periods/${period}`)
    if (now.body?.status && now.body.status !== 'DRAFT') {
      const r = await admin('POST', `/accounting-periods/${period}/reopen`, { reason: 'e2e: back to draft' })
      assert(r.status === 200, `${period} reopened: ${JSON.stringify(r.body)}`)
    }
  }

  await suite.test(name, async () => {
    assert(task, 'the demo has calculated a month that is over')
    await reopen()
    const before = (await analyst('GET', `/accounting-periods/${period}`)).body.events.length
    const panel = (page) => page.getByTestId('period-panel')
    const standing = (page, status) => page.locator(`[data-testid="period-panel"][data-status="${status}"]`).waitFor()
    /** Takes a step in its dialog, with a note when given, and waits for the period to stand where it went. */
    async function step(page, action, to, note) {
      await page.getByTestId(`period-${action}`).click()
      const dialog = page.getByTestId('period-dialog')
      await dialog.waitFor()
      if (note) await page.getByTestId('period-reason').locator('textarea').fill(note)
      await page.getByTestId('period-confirm').click()
      await standing(page, to)
      await dialog.waitFor({ state: 'hidden' })
    }
    try {
      // The analyst reviews the task's run.
      const an = await person()
      await login(an, base, 'analyst')
      await an.goto(`${base}/accounting/tasks/${task.id}`)
      await standing(an, 'DRAFT')
      assert((await an.getByTestId('period-status').textContent()).trim() === '草稿', 'the period is a draft')
      assert((await an.getByTestId('period-publish').count()) === 0, 'an analyst is not offered publishing')
      await settled(an)
      await shot(an, '70-accounting-period-draft')
      await step(an, 'review', 'REVIEWED', '与财务科核对一致')
      await message(an, `${period} 已审核`)
      assert((await an.getByTestId('period-status').textContent()).trim() === '已审核', 'the tag says 已审核')
      const run = (await an.getByTestId('period-run').textContent()).trim()
      assert(run === `审核的是本任务第 ${task.run_no} 次运行的结果`, `this task's run is the one reviewed: ${run}`)
      await an.locator('[data-testid="task-rerun"]:disabled').waitFor() // a reviewed period takes no new run
      assert((await an.getByTestId('period-reopen').count()) === 1, 'the analyst may take the review back')
      assert((await an.getByTestId('period-publish').count()) === 0, 'but not publish')
      await settled(an)
      await shot(an, '71-accounting-period-reviewed')

      // The administrator publishes it: the task cannot run again, and says why.
      const adm = await person()
      await login(adm, base, 'admin')
      await adm.goto(`${base}/accounting/tasks/${task.id}`)
      await standing(adm, 'REVIEWED')
      await step(adm, 'publish', 'PUBLISHED')
      await message(adm, `${period} 已发布`)
      assert((await adm.getByTestId('period-status').textContent()).trim() === '已发布', 'the tag says 已发布')
      await adm.locator('[data-testid="task-rerun"]:disabled').waitFor() // a published period takes no new run
      await adm.getByTestId('task-rerun-wrap').hover()
      await adm.locator('.el-popper:visible', { hasText: '期间已发布，不再接受核算和数据导入' }).waitFor()
      await adm.waitForTimeout(300) // the tooltip's fade-in
      await shot(adm, '72-accounting-period-published')
      await adm.mouse.move(500, 600)

      // The analyst, reading again, may no longer take it back.
      await an.reload()
      await standing(an, 'PUBLISHED')
      assert((await an.getByTestId('period-reopen').count()) === 0, 'only an administrator reopens a published period')

      // In the list the task is the published one; a new calculation of the month is refused in plain words.
      await adm.getByTestId('task-back').click()
      const tag = adm.locator(`[data-testid="task-period"][data-task="${task.id}"]`)
      await tag.waitFor()
      assert((await tag.getAttribute('data-period-run')) === 'true', 'the list marks the published run')
      assert((await tag.textContent()).trim() === '已发布', `the list tags it 已发布: ${await tag.textContent()}`)
      const listed = adm.getByTestId('tasks-table').locator('.el-table__row').filter({ has: tag })
      assert(await listed.getByTestId('task-rerun').isDisabled(), "the list's 重新运行 is disabled too")
      const columns = await adm.evaluate(() => {
        const table = document.querySelector('[data-testid="tasks-table"] .el-table__body-wrapper .el-scrollbar__wrap')
        return table ? table.scrollWidth - table.clientWidth : -1
      })
      assert(columns >= 0 && columns <= 1, `every column of the list fits at 1366 px (${columns} px too wide)`)
      await settled(adm)
      await shot(adm, '73-accounting-tasks-published')
      await adm.getByTestId('task-create').click()
      await adm.getByTestId('task-dialog').waitFor()
      const month = adm.getByTestId('task-period').locator('input')
      await month.fill(period)
      await month.press('Enter')
      await settled(adm)
      await adm.getByTestId('task-submit').click()
      await message(adm, '该核算期间已审核、发布或锁定，不能再核算或导入数据')
      await adm.getByTestId('task-dialog').getByRole('button', { name: '取消' }).click()

      // Locked, then reopened: a reopening needs its reason.
      await adm.goto(`${base}/accounting/tasks/${task.id}`)
      await standing(adm, 'PUBLISHED')
      await step(adm, 'lock', 'LOCKED')
      assert((await adm.getByTestId('period-status').textContent()).trim() === '已锁定', 'the tag says 已锁定')
      await adm.getByTestId('period-reopen').click()
      await adm.getByTestId('period-dialog').waitFor()
      await adm.getByTestId('period-confirm').click()
      const missing = adm.getByTestId('period-reason').locator('.el-form-item__error')
      await missing.waitFor()
      assert((await missing.textContent()).trim() === '重新打开期间必须填写原因', `asks for the reason: ${await missing.textContent()}`)
      await settled(adm)
      await shot(adm, '74-accounting-period-reopen-reason')
      await adm.getByTestId('period-reason').locator('textarea').fill('成本数据更正后重算')
      await adm.getByTestId('period-confirm').click()
      await standing(adm, 'DRAFT')
      await message(adm, `${period} 已重新打开`)
      await adm.locator('[data-testid="task-rerun"]:enabled').waitFor() // a draft takes runs again

      // The history: the four steps, who took them, when (the hospital's day), and why.
      const rows = adm.getByTestId('period-history').locator('.el-table__body .el-table__row')
      await rows.nth(before + 3).waitFor()
      const history = await rows.evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
      )
      const steps = history.slice(before)
      assert(steps.length === 4, `four transitions listed, got ${steps.length}`)
      const expected = [
        ['审核', '草稿→已审核', '运营分析 刘洋', '与财务科核对一致'],
        ['发布', '已审核→已发布', '系统管理员', ''],
        ['锁定', '已发布→已锁定', '系统管理员', ''],
        ['重新打开', '已锁定→草稿', '系统管理员', '成本数据更正后重算'],
      ]
      steps.forEach(([at, action, change, user, , reason], i) => {
        const got = [action, change.replace(/\s+/g, ''), user, reason]
        assert(got.join('|') === expected[i].join('|'), `transition ${i + 1}: ${got.join(' | ')}`)
        assert(at.startsWith(`${today} `), `in the hospital's time (${today}): ${at}`)
      })
      await settled(adm)
      await adm.getByTestId('period-history').scrollIntoViewIfNeeded()
      await shot(adm, '75-accounting-period-history')

      // The same in English.
      await adm.getByTestId('locale-menu').hover()
      await adm.getByTestId('locale-en').click()
      await panel(adm).getByText(`Accounting period ${period}`).waitFor()
      assert((await adm.getByTestId('period-status').textContent()).trim() === 'Draft', 'Draft in English')
      await adm.getByTestId('period-history').getByText('Reopen', { exact: true }).waitFor()
      await settled(adm)
      await adm.getByTestId('period-history').scrollIntoViewIfNeeded()
      await shot(adm, '76-accounting-period-english')
      await an.context().close()
      await adm.context().close()
    } finally {
      await reopen()
    }
  })
}
