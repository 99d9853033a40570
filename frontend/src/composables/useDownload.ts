// Downloads a file the API serves (an .xlsx export): the bearer token goes in a header, so the file is
// fetched and saved from a Blob rather than linked.
import { ref } from 'vue'
import { authFetch } from '@/api/client'
import { toApiError } from '@/api/errors'
import { filenameFrom, saveBlob } from '@/utils/download'
import { notifyError } from './feedback'

export function useDownload() {
  const downloading = ref<string | null>(null)

  /** Fetches `url` and saves it under the server's file name (or `fallback`); resolves true when saved. */
  async function download(url: string, fallback: string): Promise<boolean> {
    downloading.value = url
    try {
      const response = await authFetch(new Request(url))
      if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null))
      saveBlob(await response.blob(), filenameFrom(response.headers.get('Content-Disposition'), fallback))
      return true
    } catch (e) {
      notifyError(e)
      return false
    } finally {
      downloading.value = null
    }
  }

  return { downloading, download }
}
