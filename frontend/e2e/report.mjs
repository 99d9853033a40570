// A department's page of a run in the browser: opened from the value summary, its figures those of the value
// summary's row; opened from the results matrix too; the workbook; printed on one A4 page with no navigation
// or buttons; in English; and a department that is not there.
import { apiAs, assert, downloadedBytes, login, settled } from './helpers.mjs'

/** A decimal string as the page shows money: "-1234.5650" → "-1,234.57" (half away from zero), null → "—". */
export function figure(value) {
  if (value === null || value === undefined) return '—'
  const negative = value.startsWith('-')
  const [whole, fraction = ''] = value.replace('-', '').split('.')
  let cents = BigInt(whole) * 100n + BigInt((fraction + '0000').slice(0, 2))
  if (Number((fraction + '0000')[2]) >= 5) cents += 1n
  const text = `${(cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${String(cents % 100n).padStart(2, '0')}`
  return negative && cents !== 0n ? `-${text}` : text
}

/** "0.2924" → "29.24%", as the value summary shows a share (the decimal point moved two places, in text). */
export function percent(value) {
  if (value === null || value === undefined) return '—'
  const negative = value.startsWith('-')
  const [whole, fraction = ''] = value.replace('-', '').split('.')
  const digits = `${whole}${(fraction + '00').slice(0, 2)}`.replace(/^0+(?=\d)/, '')
  return `${figure(`${negative ? '-' : ''}${digits}.${fraction.slice(2)}`)}%`
}

const FIELDS = {
  DOCTOR: 'doctor_value',
  NURSING: 'nursing_value',
  TECH: 'tech_value',
  COST: 'cost_value',
  NET: 'net_value',
}

/** `taskId`: a finished run of the standard workflow (with calculation details). */
export async function departmentReportScenario({ suite, person, base, shot, taskId }) {
  await suite.test('analyst: a department page of a run from the value summary, printed on one A4 page', async () => {
    const analyst = await apiAs(base, 'analyst')
    const id = await taskId(analyst)
    const summary = await analyst('GET', `/calculation-tasks/${id}/value-summary`)
    assert(summary.status === 200, `the value summary of task ${id}: ${summary.status}`)
    const an = await person()
    await login(an, base, 'analyst')
    await an.goto(`${base}/accounting/tasks/${id}/value-summary`)
    const link = an.getByTestId('summary-department').first()
    await link.waitFor()
    const code = await link.getAttribute('data-department')
    const row = summary.body.rows.find((r) => r.department.code === code)
    assert(row, `the value summary has ${code}`)
    await link.click()
    await an.waitForURL(new RegExp(`/accounting/tasks/${id}/departments/${row.department.id}$`))
    const sheet = an.getByTestId('report-sheet')
    await sheet.waitFor()
    await settled(an)

    // The figures are the value summary's.
    assert((await an.getByTestId('report-department').textContent()).includes(row.department.name), 'the department')
    for (const [series, field] of Object.entries(FIELDS)) {
      const shown = (
        await an.locator(`[data-testid="report-series-row"][data-series="${series}"] [data-testid="report-series-value"]`).textContent()
      ).trim()
      assert(shown === figure(row[field]), `${series}: the page shows ${shown}, the value summary ${row[field]}`)
    }
    const share = (await an.getByTestId('report-share').textContent()).trim()
    assert(share === percent(row.share), `the share ${share} is the value summary's ${row.share}`)
    const rank = (await an.getByTestId('report-rank').textContent()).trim()
    assert(rank === `第 ${row.rank} 名`, `the rank ${rank} is the value summary's ${row.rank}`)
    const report = await analyst('GET', `/calculation-tasks/${id}/departments/${row.department.id}/report`)
    assert(report.status === 200, `the report: ${report.status}`)
    assert((await an.getByTestId('report-node').count()) === report.body.nodes.length, 'every top node is listed')
    assert((await an.getByTestId('report-item').count()) === report.body.items.length, 'every top item is listed')
    assert(report.body.items.length > 0, 'the department has charge items')
    const orientation = await an.getByTestId('report-orientation-row').count()
    assert(orientation === report.body.orientation.length, 'every orientation verdict is listed')
    await shot(an, '46a-accounting-department-report')

    // Nothing clipped on a 1366 × 768 screen: the sheet's tables fit in it.
    const overflow = await sheet.evaluate((el) =>
      [...el.querySelectorAll('table')].some((t) => t.scrollWidth > el.clientWidth + 1),
    )
    assert(!overflow, 'the tables fit the sheet')

    const download = an.waitForEvent('download')
    await an.getByTestId('report-xlsx').click()
    const file = await download
    assert(file.suggestedFilename().endsWith('.xlsx'), `an .xlsx file, got ${file.suggestedFilename()}`)
    assert((await downloadedBytes(file)).subarray(0, 2).toString() === 'PK', 'the department workbook')

    // Printed: the sheet alone, on one A4 page.
    await an.emulateMedia({ media: 'print' })
    assert(await sheet.isVisible(), 'the sheet prints')
    assert(await an.getByTestId('report-series').locator('thead').isVisible(), 'the table headers print')
    for (const hidden of ['.aside', '.header', '[data-testid="report-print"]', '[data-testid="report-xlsx"]']) {
      assert(!(await an.locator(hidden).first().isVisible()), `${hidden} does not print`)
    }
    // A4 less its 12 mm margins: 273 mm high, 186 mm wide, at 96 px an inch.
    const box = await sheet.boundingBox()
    const mm = 96 / 25.4
    assert(box.height <= 273 * mm, `the sheet is ${(box.height / mm).toFixed(0)} mm high, more than a page`)
    assert(box.width <= 186 * mm + 1, `the sheet is ${(box.width / mm).toFixed(0)} mm wide`)
    await shot(an, '46b-accounting-department-report-print', { fullPage: true })
    const pdf = await an.pdf({ preferCSSPageSize: true, printBackground: true })
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0
    assert(pages === 1, `the page prints on one sheet of paper, got ${pages}`)
    await an.emulateMedia({ media: 'screen' })

    // From the results matrix: the same page.
    await an.goto(`${base}/accounting/tasks/${id}/results`)
    await an.locator(`[data-testid="matrix-row"][data-department="${code}"] [data-testid="matrix-department"]`).click()
    await an.waitForURL(new RegExp(`/accounting/tasks/${id}/departments/${row.department.id}$`))
    await an.locator(`[data-testid="report-sheet"][data-department="${code}"]`).waitFor()

    // In English.
    await an.getByTestId('locale-menu').hover()
    await an.getByTestId('locale-en').click()
    await an.waitForFunction(() => document.documentElement.lang === 'en')
    await an.locator('h1', { hasText: 'Department value report' }).waitFor()
    assert((await an.getByTestId('report-rank').textContent()).trim() === `No. ${row.rank}`, 'the rank in English')
    await settled(an)
    await shot(an, '46c-accounting-department-report-english')

    // A department that is not there: why, and a retry, in place of the sheet.
    await an.goto(`${base}/accounting/tasks/${id}/departments/999999`)
    await an.getByTestId('report-problem').waitFor()
    assert((await an.getByTestId('report-sheet').count()) === 0, 'no sheet for a department that is not there')
    assert(await an.getByTestId('report-print').isDisabled(), 'nothing to print')
    await an.context().close()
  })
}
