// Fails when src/api/schema.d.ts is not what openapi-typescript makes of the committed openapi/openapi.json.
// Regenerate with `npm run gen:api`.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const spec = resolve(root, '../openapi/openapi.json')
const committed = resolve(root, 'src/api/schema.d.ts')
const dir = mkdtempSync(join(tmpdir(), 'hospital-api-'))
const fresh = join(dir, 'schema.d.ts')

try {
  execFileSync(process.execPath, [resolve(root, 'node_modules/openapi-typescript/bin/cli.js'), spec, '-o', fresh], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error('src/api/schema.d.ts is stale: it does not match ../openapi/openapi.json. Run `npm run gen:api`.')
    process.exitCode = 1
  } else {
    console.log('src/api/schema.d.ts matches ../openapi/openapi.json')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
