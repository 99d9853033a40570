// Starts the real server (`hospital serve`) on a fresh SQLite database in a temporary directory, with the
// demo data, serving the built SPA, and stops it again.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => res(port))
    })
  })
}

/**
 * A fixed-offset zone whose local time is between 09:00 and 10:00 now, so today's MORNING slot
 * (08:00–12:00) has begun and not ended whatever the hour of the run. Etc/GMT signs are inverted:
 * Etc/GMT-8 is UTC+8.
 */
export function morningZone(now = new Date()) {
  let offset = (9 - now.getUTCHours() + 24) % 24
  if (offset > 14) offset -= 24
  if (offset === 0) return 'Etc/GMT'
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`
}

export function ensureBinary(root, bin) {
  if (existsSync(bin)) return
  console.log(`${bin} is missing: building it with \`cargo build -p hospital\` (waits for other builds' lock)…`)
  const r = spawnSync('cargo', ['build', '-p', 'hospital'], { cwd: resolve(root, '..'), stdio: 'inherit' })
  if (r.status !== 0 || !existsSync(bin)) throw new Error('could not build the hospital binary')
}

export async function startServer({ bin, staticDir, timezone, log = false }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hospital-e2e-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(bin, ['serve'], {
    cwd: dataDir,
    env: {
      ...process.env,
      APP_DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${join(dataDir, 'hospital.db')}?mode=rwc`,
      APP_DEMO: 'true',
      APP_BIND: `127.0.0.1:${port}`,
      APP_STATIC_DIR: staticDir,
      APP_DEMO_TIMEZONE: timezone,
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-20000)
    if (log) process.stderr.write(chunk)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = null
  child.on('exit', (code, signal) => (exited = { code, signal }))

  // Seeding the demo data takes a while on a fresh database.
  const deadline = Date.now() + 180_000
  for (;;) {
    if (exited) throw new Error(`the server exited (${JSON.stringify(exited)}):\n${output}`)
    try {
      const r = await fetch(`${base}/ready`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the server did not become ready in time:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 500))
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM')
      const gone = await Promise.race([
        new Promise((r) => child.once('exit', () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 10_000)),
      ])
      if (!gone) child.kill('SIGKILL')
    }
    rmSync(dataDir, { recursive: true, force: true })
  }

  return { base, stop, output: () => output }
}
