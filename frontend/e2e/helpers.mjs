// Small helpers for the end-to-end run: identity numbers, a test harness, API calls, page steps.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

/** A valid identity number (GB 11643) with the given birth date and gender, unique enough per run. */
export function idCard(dob = '19880315', male = true) {
  const seq = String(Math.floor(Math.random() * 50)).padStart(2, '0')
  let gender = Math.floor(Math.random() * 5) * 2 + (male ? 1 : 0)
  const first17 = `330106${dob}${seq}${gender}`
  const sum = [...first17].reduce((n, d, i) => n + Number(d) * WEIGHTS[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

/** The same number with a wrong check digit. */
export function badCheckDigit(id) {
  const last = id[17] === '0' ? '1' : '0'
  return id.slice(0, 17) + last
}

export function mobile() {
  return `13${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`
}

export const DEMO_PASSWORD = 'demo-pass-2026'

export function screenshots(dir) {
  mkdirSync(dir, { recursive: true })
  return (page, name, options = {}) => page.screenshot({ path: join(dir, `${name}.png`), ...options })
}

/** A JSON API client for setting up and checking state around the browser steps. */
export async function apiAs(base, username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  })
  if (!r.ok) throw new Error(`login ${username}: ${r.status} ${await r.text()}`)
  const { access_token: token } = await r.json()
  return async (method, path, body) => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
}

/** Local date and time (yyyy-mm-dd, minutes since midnight) in a time zone. */
export function localNow(timeZone, now = new Date()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  )
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) }
}

const SLOT_ENDS = { MORNING: 12 * 60, AFTERNOON: 17 * 60 + 30, EVENING: 21 * 60 }

/** The first slot of the day that has not ended at `minutes` past midnight (with a margin for the run). */
export function openSlot(minutes) {
  return Object.keys(SLOT_ENDS).find((s) => SLOT_ENDS[s] - minutes > 20) ?? null
}

export async function login(page, base, username) {
  await page.goto(`${base}/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(DEMO_PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => !u.pathname.startsWith('/login'))
}

/** Waits until no loading mask is showing. */
export async function settled(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.el-loading-mask')].every((m) => getComputedStyle(m).display === 'none'),
  )
  await page.waitForTimeout(200)
}

/** The bytes of a Playwright download. */
export function downloadedBytes(file) {
  return new Promise((done, fail) => {
    file.createReadStream().then((stream) => {
      const chunks = []
      stream.on('data', (c) => chunks.push(c))
      stream.on('end', () => done(Buffer.concat(chunks)))
      stream.on('error', fail)
    }, fail)
  })
}

/** Waits for an Element Plus message with this text. */
export async function message(page, text) {
  await page.locator('.el-message', { hasText: text }).first().waitFor({ state: 'visible', timeout: 10_000 })
}

/** The validation error shown under the form item that holds `inner`. */
export function fieldError(inner) {
  return inner.locator('xpath=ancestor::div[contains(@class,"el-form-item")][1]').locator('.el-form-item__error')
}

export class Suite {
  constructor() {
    this.results = []
    /** Called with the test's name when it fails (to save screenshots of the open pages). */
    this.onFailure = async () => undefined
  }

  async test(name, fn) {
    // E2E_ONLY=text runs only the tests whose name contains it, or one of `a|b` (the others may set up what a
    // later one needs).
    if (process.env.E2E_ONLY && !process.env.E2E_ONLY.split('|').some((part) => name.includes(part))) return
    const started = Date.now()
    process.stdout.write(`• ${name} … `)
    try {
      await fn()
      this.results.push({ name, ok: true, ms: Date.now() - started })
      console.log(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    } catch (e) {
      this.results.push({ name, ok: false, ms: Date.now() - started, error: e })
      console.log('FAILED')
      console.log(`  ${String(e?.stack ?? e).split('\n').slice(0, 8).join('\n  ')}`)
      await this.onFailure(name).catch(() => undefined)
    }
  }

  get failed() {
    return this.results.filter((r) => !r.ok)
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}
