// Calculations queued other than by hand, in the browser: a batch of months created on the tasks screen and
// followed to its end on its own page (one bar, a task a month, the workbook), its tasks tagged in the list;
// and calculations after imports switched on, a charge import that queues one (linked from the import's
// answer, tagged on the task's page), switched off again. Run last: the months it calculates are far from the
// demo's, but the scenarios before it count the tasks there are.
import { apiAs, assert, downloadedBytes, login, message, settled } from './helpers.mjs'

/** A random month of a year long ago that no other scenario uses. */
function farMonth(year) {
  return `${year}-${String(1 + Math.floor(Math.random() * 11)).padStart(2, '0')}`
}

function nextMonth(period) {
  const [y, m] = period.split('-').map(Number)
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

async function pickMonth(page, testid, period) {
  const input = page.getByTestId(testid).locator('input')
  await input.fill(period)
  await input.press('Enter')
}

export async function batchScenarios({ suite, person, base, shot }) {
  await suite.test('analyst: a batch of two months, followed to the end, with its workbook; its tasks tagged', async () => {
    const from = farMonth(1981 + Math.floor(Math.random() * 9))
    const to = nextMonth(from)
    const an = await person()
    await login(an, base, 'analyst')
    await an.getByTestId('nav-accounting-tasks').click()
    await an.getByTestId('tasks-table').waitFor()
    await an.getByTestId('batch-create').click()
    await an.getByTestId('batch-dialog').waitFor()
    // More than 24 months: refused before it is sent.
    await pickMonth(an, 'batch-from', '1970-01')
    await pickMonth(an, 'batch-to', '1972-01')
    await an.getByTestId('batch-submit').click()
    await an.getByTestId('batch-to').getByText('一次最多核算 24 个月，所选范围有 25 个月').waitFor()

    await pickMonth(an, 'batch-from', from)
    await pickMonth(an, 'batch-to', to)
    await settled(an)
    await shot(an, '90-accounting-batch-dialog')
    await an.getByTestId('batch-submit').click()
    await an.waitForURL(/\/accounting\/batches\/\d+$/)
    const id = Number(new URL(an.url()).pathname.split('/').pop())
    await an
      .locator('[data-testid="batch-progress"][data-status="SUCCEEDED"], [data-testid="batch-progress"][data-status="FAILED"]')
      .waitFor({ timeout: 180_000 })
    assert((await an.getByTestId('batch-progress').getAttribute('data-status')) === 'SUCCEEDED', 'the batch succeeded')
    const tasks = await an
      .getByTestId('batch-task')
      .evaluateAll((els) => els.map((e) => ({ id: Number(e.dataset.task), status: e.dataset.status })))
    assert(tasks.length === 2 && tasks.every((t) => t.status === 'SUCCEEDED'), `two months done: ${JSON.stringify(tasks)}`)
    const periods = await an
      .getByTestId('batch-tasks')
      .locator('.el-table__body .el-table__row td:first-child')
      .allTextContents()
    assert(periods.map((p) => p.trim()).join() === `${from},${to}`, `the months in order: ${periods.join()}`)
    const analyst = await apiAs(base, 'analyst')
    const batch = await analyst('GET', `/calculation-batches/${id}`)
    assert(batch.body.progress === 100 && batch.body.from === from && batch.body.to === to, 'the server agrees')
    await settled(an)
    await shot(an, '91-accounting-batch')
    const download = an.waitForEvent('download')
    await an.getByTestId('batch-xlsx').click()
    assert((await downloadedBytes(await download)).subarray(0, 2).toString() === 'PK', "the months' workbook")

    // In the list: the batch's tasks say so and lead back to it.
    await an.getByTestId('nav-accounting-tasks').click()
    const tag = an.locator(`[data-testid="task-origin"][data-origin="BATCH"][data-batch="${id}"]`)
    await tag.first().waitFor()
    assert((await tag.count()) === 2, 'both months are tagged with the batch')
    await tag.first().click()
    await an.waitForURL(new RegExp(`/accounting/batches/${id}$`))
    // And on a task's page.
    await an.getByTestId('batch-task').first().click()
    await an.locator('[data-testid="task-origin"][data-origin="BATCH"]').waitFor()
    await an.context().close()
  })

  await suite.test('analyst: calculations after imports: a charge import queues one, tagged; then switched off', async () => {
    const analyst = await apiAs(base, 'analyst')
    const an = await person()
    await login(an, base, 'analyst')
    try {
      await an.getByTestId('nav-accounting-imports').click()
      const panel = an.locator('[data-testid="auto-calculation"][data-run-after="NEVER"]')
      await panel.waitFor()
      await an.locator('[data-testid="auto-calculation-run-after"] [data-value="CHARGES"]').click()
      await an.getByTestId('auto-calculation-save').click()
      await message(an, '已保存导入后自动核算的设置')
      const settings = await analyst('GET', '/auto-calculation')
      assert(settings.body.run_after === 'CHARGES', `saved: ${JSON.stringify(settings.body)}`)
      await an.getByTestId('auto-calculation').scrollIntoViewIfNeeded()
      await shot(an, '92-accounting-auto-calculation')

      const period = farMonth(1991 + Math.floor(Math.random() * 8))
      const nonce = Date.now().toString(36)
      const lines = [
        'source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,item_name,item_category,quantity,amount,charged_at',
        `E2E-AUTO-${nonce}-1,OUTPATIENT,INT,LAB,LAB-0001,血常规（五分类）,LAB,1,20.50,${period}-10 09:15:00`,
      ]
      await an.getByTestId('imports-upload').click()
      const dialog = an.getByTestId('upload-dialog')
      await dialog
        .locator('input[type="file"]')
        .setInputFiles({ name: 'auto.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) })
      await dialog.getByTestId('upload-submit').click()
      await dialog.getByTestId('upload-result').waitFor()
      await dialog.getByRole('button', { name: '关闭', exact: true }).click()
      const link = an.getByTestId('imports-queued-task')
      await link.first().waitFor()
      assert((await link.count()) === 1, 'one calculation queued, for the one month')
      await settled(an)
      await shot(an, '93-accounting-import-queued')
      await link.click()
      await an.waitForURL(/\/accounting\/tasks\/\d+$/)
      await an.locator('[data-testid="task-origin"][data-origin="AUTO"]').waitFor()
      await an
        .locator('[data-testid="task-progress"][data-status="SUCCEEDED"], [data-testid="task-progress"][data-status="FAILED"]')
        .waitFor({ timeout: 180_000 })

      await an.getByTestId('nav-accounting-imports').click()
      await an.locator('[data-testid="auto-calculation"][data-run-after="CHARGES"]').waitFor()
      await an.locator('[data-testid="auto-calculation-run-after"] [data-value="NEVER"]').click()
      await an.getByTestId('auto-calculation-save').click()
      await message(an, '已保存导入后自动核算的设置')
      assert((await analyst('GET', '/auto-calculation')).body.run_after === 'NEVER', 'switched off again')
    } finally {
      // Whatever happened above, imports stop queueing calculations.
      await analyst('PUT', '/auto-calculation', { run_after: 'NEVER' })
      await an.context().close()
    }
  })
}
