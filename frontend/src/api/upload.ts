// File uploads with progress. fetch (and so openapi-fetch) cannot report upload progress, so a file goes up
// through XMLHttpRequest, with the same bearer token, one refresh-and-retry on 401, and the same problem
// JSON → ApiError as every other call.
import { accessToken } from './client'
import { ApiError, toApiError } from './errors'

export interface UploadProgress {
  loaded: number
  total: number
  /** 0–100 */
  percent: number
}

export interface UploadOptions {
  /** The multipart field that carries the file. */
  field?: string
  onProgress?: (progress: UploadProgress) => void
  /** Aborts the upload (the promise then rejects with an AbortError). */
  signal?: AbortSignal
}

function send(url: string, file: File, token: string | null, options: UploadOptions) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return
      options.onProgress?.({ loaded: e.loaded, total: e.total, percent: Math.floor((e.loaded / e.total) * 100) })
    }
    xhr.onload = () => {
      let body: unknown
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        body = xhr.responseText
      }
      resolve({ status: xhr.status, body })
    }
    xhr.onerror = () => reject(ApiError.network(new Error('upload failed')))
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'))
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    const form = new FormData()
    form.append(options.field ?? 'file', file, file.name)
    xhr.send(form)
  })
}

/** Posts `file` as multipart/form-data to `url` and returns the JSON answer, or throws an ApiError. */
export async function uploadFile<T>(url: string, file: File, options: UploadOptions = {}): Promise<T> {
  let result = await send(url, file, await accessToken(), options)
  if (result.status === 401) {
    const token = await accessToken(true)
    if (token) result = await send(url, file, token, options)
  }
  // An answer means the whole file went up, whatever the last progress event said.
  options.onProgress?.({ loaded: file.size, total: file.size, percent: 100 })
  if (result.status < 200 || result.status >= 300) throw toApiError(result.status, result.body)
  return result.body as T
}
