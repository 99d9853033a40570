// Two runs compared, and a benchmark computed from the actuals, on the demo's accounting data: a copy of the demo
// model (a weight raised and an item's mapping removed through the API) whose outpatient-visits rule is switched in
// the browser to a historical average (refused without its look-back, then listed with it); the month calculated on
// the copy and compared, from the task list, with the month's earlier task: coloured changes, totals that are the
// difference of the two value summaries, the cell's figures, the model's differences in words (in both languages),
// the workbook; then the month against the month before, picked on the page; and the adjustments' benchmark
// sources. Runs last: it leaves a model version nobody uses and one more task of the latest month.
import { finishedTasks, monthBefore } from './accounting.mjs'
import { apiAs, assert, downloadedBytes, login, message, settled } from './helpers.mjs'

const DEMO_MODEL = '2026 版核算模型'

/** A decimal string in ten-thousandths. */
function units(value) {
  const m = /^(-?)(\d+)(?:\.(\d{0,4}))?$/.exec(String(value ?? '0').trim())
  assert(m, `a decimal: ${value}`)
  const u = BigInt(m[2]) * 10000n + BigInt((m[3] ?? '').padEnd(4, '0'))
  return m[1] === '-' ? -u : u
}

/** Ten-thousandths as the API writes them ("-70920.0400"). */
function decimal(u) {
  const negative = u < 0n
  const abs = negative ? -u : u
  return `${negative ? '-' : ''}${abs / 10000n}.${String(abs % 10000n).padStart(4, '0')}`
}

/** A change as the page shows it: signed, to the cent (half away from zero), grouped by thousands. */
function money(u) {
  const negative = u < 0n
  const cents = ((negative ? -u : u) + 50n) / 100n
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const text = `${whole}.${String(cents % 100n).padStart(2, '0')}`
  return negative && cents !== 0n ? `-${text}` : u > 0n ? `+${text}` : text
}

/** The hospital's net value of a task: its value summary's net values summed. */
async function summaryTotal(analyst, id) {
  const r = await analyst('GET', `/calculation-tasks/${id}/value-summary`)
  assert(r.status === 200, `value summary of task ${id}: ${r.status}`)
  return r.body.rows.reduce((sum, row) => sum + units(row.net_value ?? '0'), 0n)
}

/** Picks a task in one of the compare page's pickers and waits for the comparison of the new pair. */
async function pick(page, side, id) {
  await page.getByTestId(`compare-pick-${side}`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: `#${id} ·` }).first().click()
  await page.locator(`[data-testid="compare-${side}"][data-task="${id}"]`).waitFor()
  await settled(page)
}

export async function compareScenarios({ suite, person, base, shot }) {
  const analyst = await apiAs(base, 'analyst')
  const tasks = (await finishedTasks(analyst)).filter((t) => t.status === 'SUCCEEDED')
  const months = [...new Set(tasks.map((t) => t.period))].sort()
  const period = months.filter((p) => months.includes(monthBefore(p))).pop()
  const versions = (await analyst('GET', '/model-versions?page_size=200')).body.items
  const demo = versions.find((v) => v.name === DEMO_MODEL)

  // A copy of the demo model: 治疗's weight raised by 0.3, one item no longer mapped to 检验.
  let copy = null
  let treat = null
  let removed = null
  if (period && demo) {
    const made = await analyst('POST', `/model-versions/${demo.id}/copy`, { name: `对比用模型（${Date.now().toString(36)}）` })
    assert(made.status === 201, `the demo model copied: ${JSON.stringify(made.body)}`)
    copy = made.body
    const nodes = (await analyst('GET', `/model-versions/${copy.id}/nodes`)).body.items
    const node = nodes.find((n) => n.code === 'dim-doc-treat')
    const lab = nodes.find((n) => n.code === 'dim-tech-lab')
    assert(node && lab, 'the copy has 治疗 and 检验')
    const weight = decimal(units(node.weight) + 3000n)
    const patched = await analyst('PATCH', `/dimension-nodes/${node.id}`, { weight })
    assert(patched.status === 200, `治疗's weight raised: ${JSON.stringify(patched.body)}`)
    treat = { name: node.name, from: node.weight, to: patched.body.weight }
    const mappings = (await analyst('GET', `/model-versions/${copy.id}/mappings?q=dim-tech-lab&page_size=200`)).body.items
    const mapping = mappings.find((m) => m.node_code === 'dim-tech-lab')
    assert(mapping, '检验 has an item mapped to it')
    const gone = await analyst('DELETE', `/dimension-item-mappings/${mapping.id}`)
    assert(gone.status === 200 || gone.status === 204, `the mapping removed: ${gone.status}`)
    removed = { item: mapping.item_code, leaf: `${lab.code}（${lab.name}）` }
  }
  /** Whether the browser switched the copy's rule to a historical average (the comparison then names it). */
  let ruleChanged = false

  await suite.test('analyst: an orientation rule benchmarked on the historical average, its look-back required', async () => {
    assert(copy, `the demo has two calculated months (${months.join(', ')}) and its model "${DEMO_MODEL}"`)
    const an = await person()
    await login(an, base, 'analyst')
    await an.goto(`${base}/accounting/models/${copy.id}?tab=rules`)
    const row = an.getByTestId('rules-table').locator('.el-table__row', { hasText: 'dim-doc-out-eval-1' }).first()
    await row.waitFor()
    await row.getByRole('button', { name: '编辑' }).click()
    const dialog = an.getByTestId('rule-dialog')
    await dialog.waitFor()
    assert((await an.getByTestId('rule-lookback').count()) === 0, 'a fixed benchmark asks for no look-back')
    await an.getByTestId('rule-method-select').click()
    await an.locator('.el-select-dropdown__item:visible', { hasText: '历史均值' }).click()
    await an.getByTestId('rule-lookback').waitFor()
    const fallback = (await an.getByTestId('rule-benchmark-item').locator('.el-form-item__label').textContent()).trim()
    assert(fallback === '保底标杆值', `the benchmark becomes the fallback: ${fallback}`)

    // Without its look-back the rule is not sent.
    await an.getByTestId('rule-save').click()
    const missing = an.getByTestId('rule-lookback').locator('.el-form-item__error')
    await missing.waitFor()
    assert(
      (await missing.textContent()).trim() === '历史类标杆来源须填写回溯期数（1–36 期）',
      `asks for the look-back: ${await missing.textContent()}`,
    )
    await an.waitForTimeout(300) // the dropdown's closing animation
    await shot(an, '80-accounting-rule-lookback-missing')
    const unchanged = (await analyst('GET', `/model-versions/${copy.id}/orientation-rules`)).body.items
    assert(
      unchanged.find((r) => r.node_code === 'dim-doc-out-eval-1')?.benchmark_method === 'FIXED',
      'nothing was saved',
    )

    await an.getByTestId('rule-lookback-input').locator('input').fill('3')
    await an.getByTestId('rule-lookback-input').locator('input').press('Tab')
    await an.getByTestId('rule-save').click()
    await message(an, '已保存')
    await dialog.waitFor({ state: 'hidden' })
    const cell = row.getByTestId('rule-benchmark-cell')
    await an.locator('[data-testid="rule-benchmark-cell"][data-method="HISTORY_AVERAGE"]').waitFor()
    const listed = (await cell.textContent()).replace(/\s+/g, ' ').trim()
    assert(listed.includes('历史均值（近 3 期）') && listed.includes('保底 1,200'), `listed with its method: ${listed}`)
    const saved = (await analyst('GET', `/model-versions/${copy.id}/orientation-rules`)).body.items.find(
      (r) => r.node_code === 'dim-doc-out-eval-1',
    )
    assert(saved.benchmark_method === 'HISTORY_AVERAGE' && saved.lookback_periods === 3, 'saved with its look-back')
    ruleChanged = true
    await settled(an)
    await shot(an, '81-accounting-rules-history')
    await an.context().close()
  })

  await suite.test(`analyst: ${period} on the adjusted model compared with the month's earlier task, and with the month before`, async () => {
    assert(copy, 'the copy of the demo model was made')
    // The month calculated on the copy.
    const queued = await analyst('POST', '/calculation-tasks', { period, model_version_id: copy.id })
    assert(queued.status === 202, `a calculation of ${period} on the copy queued: ${JSON.stringify(queued.body)}`)
    const all = await finishedTasks(analyst)
    const adjusted = all.find((t) => t.id === queued.body.id)
    assert(adjusted?.status === 'SUCCEEDED', `the calculation on the copy succeeded: ${adjusted?.error ?? adjusted?.status}`)
    // The default: the month's latest earlier task with a finished run.
    const earlier = all
      .filter((t) => t.period === period && t.id !== adjusted.id && t.run_no > 0)
      .filter((t) => t.created_at < adjusted.created_at || (t.created_at === adjusted.created_at && t.id < adjusted.id))
      .sort((a, b) => (a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1))[0]
    assert(earlier, `${period} has an earlier task`)

    const an = await person()
    await login(an, base, 'analyst')
    await an.getByTestId('nav-accounting-tasks').click()
    const row = an.getByTestId('tasks-table').locator('.el-table__row').filter({
      has: an.locator(`[data-task="${adjusted.id}"][data-status="SUCCEEDED"]`),
    })
    await row.getByTestId('task-compare').click()
    await an.waitForURL(new RegExp(`/accounting/compare\\?.*other=${adjusted.id}.*base=${earlier.id}|base=${earlier.id}.*other=${adjusted.id}`))
    const strip = an.getByTestId('compare-totals-strip')
    await strip.waitFor()
    await an.getByTestId('compare-row').first().waitFor()
    await settled(an)

    // The totals are the runs' own: the difference of the two value summaries' net totals.
    const expectChange = async (baseId, otherId) => {
      const b = await summaryTotal(analyst, baseId)
      const o = await summaryTotal(analyst, otherId)
      await an.locator(`[data-testid="compare-totals-strip"][data-change="${decimal(o - b)}"]`).waitFor()
      assert((await strip.getAttribute('data-base')) === decimal(b), `base total ${decimal(b)}`)
      assert((await strip.getAttribute('data-other')) === decimal(o), `compared total ${decimal(o)}`)
      const shown = (await an.getByTestId('compare-total-change').textContent()).trim()
      assert(shown === money(o - b), `the change shows as ${money(o - b)}, got ${shown}`)
      return o - b
    }
    // Against the demo model (a server used before may have a later task of the month on another version).
    let compared = earlier
    if (earlier.model_version_id !== demo.id) {
      compared = all
        .filter((t) => t.period === period && t.status === 'SUCCEEDED' && t.model_version_id === demo.id)
        .sort((a, b) => b.id - a.id)[0]
      assert(compared, `a calculation of ${period} on the demo model`)
      await pick(an, 'base', compared.id)
    }
    await expectChange(compared.id, adjusted.id)

    // Coloured changes: increases and decreases in different colours, no change neutral, the sign written.
    const cells = await an.locator('[data-testid="compare-cell"][data-sign]:not([data-sign=""])').evaluateAll((els) =>
      els.map((el) => ({
        sign: el.dataset.sign,
        level: Number(el.dataset.level),
        text: el.textContent.trim(),
        background: getComputedStyle(el).backgroundColor,
        node: el.dataset.node,
      })),
    )
    assert(cells.length > 0, 'the matrix shows changes')
    for (const c of cells) {
      const sign = c.text.startsWith('+') ? 'up' : c.text.startsWith('-') ? 'down' : 'zero'
      assert(sign === c.sign, `a cell's colour follows its sign: ${JSON.stringify(c)}`)
      assert((c.sign === 'zero') === (c.level === 0), `only a change is tinted: ${JSON.stringify(c)}`)
    }
    const up = cells.find((c) => c.sign === 'up' && c.node === 'dim-doc-treat')
    assert(up, '治疗 went up somewhere')
    const zero = cells.find((c) => c.sign === 'zero')
    if (zero) assert(zero.background !== up.background, 'no change is not tinted like an increase')
    const down = await an.locator('[data-testid="compare-net"][data-sign="down"], [data-testid="compare-cell"][data-sign="down"]').first()
    if (await down.count()) {
      const background = await down.evaluate((el) => getComputedStyle(el).backgroundColor)
      assert(background !== up.background, `decreases and increases differ in colour: ${background}`)
    }
    await shot(an, '82-accounting-compare-matrix')

    // A cell's figures: on hover, and picked by a click.
    const target = an.locator(`[data-testid="compare-cell"][data-node="dim-doc-treat"][data-sign="up"]`).first()
    await target.hover()
    const tip = an.getByTestId('compare-tip')
    await tip.waitFor()
    const tipText = await tip.textContent()
    assert(['基准', '对比', '变化', '变化率'].every((w) => tipText.includes(w)) && tipText.includes('治疗'), `the tip: ${tipText}`)
    await an.waitForTimeout(200)
    await shot(an, '83-accounting-compare-cell')
    await target.click()
    const picked = (await an.getByTestId('compare-picked').textContent()).replace(/\s+/g, ' ')
    assert(picked.includes('治疗') && picked.includes('基准') && /变化 \+[\d,]+\.\d\d/.test(picked), `the picked cell: ${picked}`)
    await an.mouse.move(600, 120)

    // The departments by change, and the largest changes (leaves).
    await an.getByTestId('compare-tabs').getByText('科室合计', { exact: false }).click()
    await an.getByTestId('compare-departments').locator('.el-table__row').first().waitFor()
    await an.getByTestId('compare-tabs').getByText('变化最大', { exact: true }).click()
    const largest = an.getByTestId('compare-largest').locator('.el-table__row')
    await largest.first().waitFor()
    assert((await largest.first().textContent()).includes('dim-doc-treat') || (await largest.count()) > 0, 'the largest changes')
    await settled(an)
    await shot(an, '84-accounting-compare-largest')

    // What differs between the two versions, in words.
    await an.getByTestId('compare-tabs').getByText('模型差异', { exact: false }).click()
    const differences = an.getByTestId('compare-differences')
    await differences.waitFor()
    const said = await an.getByTestId('compare-difference').allTextContents()
    const weight = `维度 dim-doc-treat（${treat.name}） 权重 ${treat.from} → ${treat.to}`
    assert(said.includes(weight), `names the weight: ${weight} in ${said.join(' | ')}`)
    const mapping = `删除对照：项目 ${removed.item} → ${removed.leaf}`
    assert(said.includes(mapping), `names the removed mapping: ${mapping} in ${said.join(' | ')}`)
    if (ruleChanged) {
      assert(
        said.some((s) => s.startsWith('导向规则 dim-doc-out-eval-1') && s.includes('固定值 1200 → 历史均值（近 3 期），保底 1200')),
        `names the rule's new benchmark: ${said.join(' | ')}`,
      )
    }
    await settled(an)
    await shot(an, '85-accounting-compare-model')

    const download = an.waitForEvent('download')
    await an.getByTestId('compare-xlsx').click()
    const file = await download
    assert(
      file.suggestedFilename() === `compare-${compared.id}-${adjusted.id}.xlsx`,
      `the workbook's name, got ${file.suggestedFilename()}`,
    )
    assert((await downloadedBytes(file)).subarray(0, 2).toString() === 'PK', 'the comparison workbook is a zip file')

    // The same in English.
    await an.getByTestId('locale-menu').hover()
    await an.getByTestId('locale-en').click()
    await an.getByTestId('compare-tabs').getByText('Model differences', { exact: false }).waitFor()
    const english = await an.getByTestId('compare-difference').allTextContents()
    assert(
      english.includes(`Dimension dim-doc-treat (${treat.name}): weight ${treat.from} → ${treat.to}`),
      `in English: ${english.join(' | ')}`,
    )
    await settled(an)
    await shot(an, '86-accounting-compare-english')
    await an.getByTestId('locale-menu').hover()
    await an.locator('.el-dropdown-menu__item:visible', { hasText: '中文' }).click()
    await an.getByTestId('compare-tabs').getByText('模型差异', { exact: false }).waitFor()

    // The month against the month before, on the demo model: picked on the page.
    const before = all
      .filter((t) => t.period === monthBefore(period) && t.status === 'SUCCEEDED')
      .sort((a, b) => b.id - a.id)[0]
    assert(before, `a calculation of ${monthBefore(period)}`)
    const month = all
      .filter((t) => t.period === period && t.status === 'SUCCEEDED' && t.model_version_id === before.model_version_id)
      .sort((a, b) => b.id - a.id)[0]
    assert(month, `a calculation of ${period} on the model ${monthBefore(period)} ran on`)
    await pick(an, 'other', month.id)
    await pick(an, 'base', before.id)
    await an.waitForURL(new RegExp(`base=${before.id}`))
    await expectChange(before.id, month.id)
    await an.getByTestId('compare-same-version').waitFor()
    await an.getByTestId('compare-tabs').getByText('变化矩阵', { exact: true }).click()
    await an.getByTestId('compare-row').first().waitFor()
    const tinted = await an.locator('[data-testid="compare-cell"][data-sign="up"], [data-testid="compare-cell"][data-sign="down"]').count()
    assert(tinted > 0, 'a month against the month before shows coloured changes')
    await settled(an)
    await an.evaluate(() => document.querySelector('.main')?.scrollTo(0, 0))
    await shot(an, '87-accounting-compare-months')

    // The benchmark of the copy's rule in the adjustments: its method, and what it came from.
    if (ruleChanged) {
      await an.goto(`${base}/accounting/tasks/${adjusted.id}/orientation`)
      await an.getByTestId('orientation-table').locator('.el-table__row').first().waitFor()
      const sources = await an.locator('[data-testid="orientation-source"][data-method="HISTORY_AVERAGE"]').evaluateAll((els) =>
        els.map((el) => ({ basis: Number(el.dataset.basis), text: el.textContent.trim() })),
      )
      assert(sources.length > 0, 'adjustments name the historical average')
      for (const s of sources) {
        const expected = s.basis > 0 ? `历史均值（${s.basis}期）` : '历史均值（按固定值）'
        assert(s.text === expected, `a benchmark from ${s.basis} actuals reads ${expected}, got ${s.text}`)
      }
      const fixed = await an.locator('[data-testid="orientation-source"][data-method="FIXED"]').first().textContent()
      assert(fixed.trim() === '固定值', `a fixed benchmark says so: ${fixed}`)
      await settled(an)
      await shot(an, '88-accounting-orientation-sources')
    }
    await an.context().close()
  })

  await suite.test('analyst: a comparison that cannot be made says why', async () => {
    const an = await person()
    await login(an, base, 'analyst')
    // An unknown task, named by its place.
    const some = tasks[0]
    await an.goto(`${base}/accounting/compare?base=${some.id}&other=999999`)
    await an.getByTestId('compare-problem').getByText('对比任务 #999999 不存在，请重新选择。').waitFor()
    assert(await an.getByTestId('compare-xlsx').isDisabled(), 'nothing to export')
    // A task without a finished run (as the server answers while a first run is queued).
    await an.route('**/api/v1/calculation-tasks/compare?*', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'about:blank',
          title: 'Conflict',
          status: 409,
          code: 'TASK_NOT_READY',
          detail: 'task 424242 has no finished run to compare',
        }),
      }),
    )
    await an.goto(`${base}/accounting/compare?base=${some.id}&other=424242`)
    await an.getByTestId('compare-problem').getByText('任务 #424242 还没有完成过一次运行，不能对比', { exact: false }).waitFor()
    await settled(an)
    await shot(an, '89-accounting-compare-not-ready')
    // The menu's entry: the pickers, and what to do.
    await an.unroute('**/api/v1/calculation-tasks/compare?*')
    await an.getByTestId('nav-accounting-compare').click()
    await an.getByTestId('compare-prompt').waitFor()
    await an.context().close()
  })
}
