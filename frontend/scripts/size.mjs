// Prints the gzipped size of the built app per route: what the first page load costs (the entry and
// everything it imports), what each lazy route adds on top (its chunks and CSS not already loaded), and
// what the other dynamic imports (charts, the second language) cost when first needed.
// Reads dist/.vite/manifest.json, so run `npm run build` first.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const manifestPath = join(dist, '.vite/manifest.json')
if (!existsSync(manifestPath)) {
  console.error('dist/.vite/manifest.json not found: run `npm run build` first.')
  process.exit(1)
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))

const gz = new Map()
function gzipped(file) {
  if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(dist, file)), { level: 9 }).length)
  return gz.get(file)
}

/** Every file a manifest entry loads: its chunk, its static imports (transitively) and their CSS. */
function closure(key, seen = new Set()) {
  const chunk = manifest[key]
  if (!chunk || seen.has(`chunk:${key}`)) return seen
  seen.add(`chunk:${key}`)
  seen.add(chunk.file)
  for (const css of chunk.css ?? []) seen.add(css)
  for (const imp of chunk.imports ?? []) closure(imp, seen)
  return seen
}
const files = (set) => [...set].filter((f) => !f.startsWith('chunk:'))
const sum = (list) => list.reduce((n, f) => n + gzipped(f), 0)
const kb = (n) => `${(n / 1024).toFixed(1).padStart(6)} kB`

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry)
const initial = new Set(files(closure(entryKey)))
const initialJs = [...initial].filter((f) => f.endsWith('.js'))
const initialCss = [...initial].filter((f) => f.endsWith('.css'))

// Routes and their components, read from the router source.
const routerSrc = readFileSync(join(root, 'src/router/index.ts'), 'utf8')
const routes = []
const re = /path: '([^']*)',\s*(?:name: '([^']*)',\s*)?component: \(\) => import\('@\/([^']+)'\)/g
for (const m of routerSrc.matchAll(re)) routes.push({ path: m[1], name: m[2] ?? '', src: `src/${m[3]}` })
const layout = routes.find((r) => r.src.includes('/layouts/'))

console.log(`Initial load (${entryKey}): JS ${kb(sum(initialJs))}, CSS ${kb(sum(initialCss))}, total ${kb(sum([...initial]))} gzipped`)
console.log('')
console.log('Each route adds (gzipped, beyond the initial load; in-layout routes include the layout):')
console.log(`${'route'.padEnd(28)} ${'component'.padEnd(40)} ${'JS'.padStart(9)} ${'CSS'.padStart(9)} ${'total'.padStart(9)}`)
for (const r of routes) {
  if (r === layout) continue
  const loaded = new Set(files(closure(r.src)))
  const nested = layout && !['/login', '/board'].includes(r.path)
  if (nested) for (const f of files(closure(layout.src))) loaded.add(f)
  const extra = [...loaded].filter((f) => !initial.has(f))
  const js = sum(extra.filter((f) => f.endsWith('.js')))
  const css = sum(extra.filter((f) => f.endsWith('.css')))
  const path = r.path.startsWith('/') ? r.path : `/${r.path}`
  console.log(`${path.padEnd(28)} ${r.src.replace('src/', '').padEnd(40)} ${kb(js)} ${kb(css)} ${kb(js + css)}`)
}

// Dynamic imports that are not routes (ECharts, the English catalogue): fetched when first needed.
const routeSources = new Set(routes.map((r) => r.src))
const onDemand = Object.keys(manifest).filter((k) => manifest[k].isDynamicEntry && !routeSources.has(k))
if (onDemand.length > 0) {
  console.log('')
  console.log('Loaded on demand (gzipped, beyond the initial load):')
  for (const key of onDemand) {
    const extra = files(closure(key)).filter((f) => !initial.has(f))
    console.log(`${key.padEnd(69)} ${kb(sum(extra))}`)
  }
}

const all = Object.values(manifest).flatMap((c) => [c.file, ...(c.css ?? [])])
console.log('')
console.log(`Whole app: ${kb(sum([...new Set(all)]))} gzipped in ${new Set(all).size} files`)
