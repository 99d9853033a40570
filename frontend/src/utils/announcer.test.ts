import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BoardRoom } from '@/api/types'
import { Announcer, CallWatcher, callSentence, speaker, type SpeechLike, type Voice } from './announcer'

function room(no: string, current: [number, string, string] | null, location: string | null = '门诊楼1层B区'): BoardRoom {
  return {
    room_no: no,
    location,
    department_name: '内科',
    doctor_name: '刘佳怡',
    current: current && { queue_no: current[0], masked_name: current[1], called_at: current[2] },
    next: [],
    waiting_count: 0,
  }
}

/** A voice that takes `ms` to say anything and records when each sentence started and ended. */
function fakeVoice(ms = 30) {
  const log: { text: string; start: number; end: number }[] = []
  let speaking = 0
  let overlapped = false
  const voice: Voice = {
    chime: () => Promise.resolve(),
    speak: async (text) => {
      speaking += 1
      if (speaking > 1) overlapped = true
      const start = Date.now()
      await new Promise((r) => setTimeout(r, ms))
      log.push({ text, start, end: Date.now() })
      speaking -= 1
    },
  }
  return { voice, log, overlapped: () => overlapped }
}

const settle = (announcer: Announcer) => vi.waitFor(() => expect(announcer.pending).toBe(0), { timeout: 2000 })

describe('call sentence', () => {
  it('names the number, the masked name, the location and the room', () => {
    expect(callSentence({ queue_no: 3, masked_name: '张*兰' }, { room_no: '2诊室', location: '门诊楼1层B区' })).toBe(
      '请 3 号 张*兰 到 门诊楼1层B区2诊室 就诊',
    )
    expect(callSentence({ queue_no: 12, masked_name: '李*' }, { room_no: '5诊室', location: null })).toBe(
      '请 12 号 李* 到 5诊室 就诊',
    )
    // A room numbered with its location already: the location is said once.
    expect(
      callSentence({ queue_no: 2, masked_name: '钱*刚' }, { room_no: '门诊楼1层B区2诊室', location: '门诊楼1层B区' }),
    ).toBe('请 2 号 钱*刚 到 门诊楼1层B区2诊室 就诊')
  })
})

describe('call watcher', () => {
  it('does not announce what is already current when the board first loads', () => {
    const w = new CallWatcher()
    expect(w.update([room('1诊室', [3, '张*兰', 't1'])])).toEqual([])
  })

  it('announces a new patient and the same patient called again, once each', () => {
    const w = new CallWatcher()
    w.update([room('1诊室', [3, '张*兰', 't1']), room('2诊室', null)])
    expect(w.update([room('1诊室', [3, '张*兰', 't1']), room('2诊室', null)])).toEqual([])
    const next = w.update([room('1诊室', [4, '王*', 't2']), room('2诊室', [1, '赵*', 't3'])])
    expect(next.map((r) => r.current?.queue_no)).toEqual([4, 1])
    expect(w.update([room('1诊室', [4, '王*', 't4']), room('2诊室', [1, '赵*', 't3'])]).map((r) => r.room_no)).toEqual([
      '1诊室',
    ])
  })

  it('announces a room that opens after the board did, and nothing after a reset', () => {
    const w = new CallWatcher()
    w.update([])
    expect(w.update([room('3诊室', [1, '孙*', 't5'])])).toHaveLength(1)
    w.reset()
    expect(w.update([room('3诊室', [2, '周*', 't6'])])).toEqual([])
  })
})

describe('announcer', () => {
  afterEach(() => vi.useRealTimers())

  it('says the calls one at a time, in the order they came', async () => {
    const { voice, log, overlapped } = fakeVoice()
    const a = new Announcer(voice)
    a.announce('一')
    a.announce('二')
    a.announce('三')
    await settle(a)
    expect(log.map((l) => l.text)).toEqual(['一', '二', '三'])
    expect(overlapped()).toBe(false)
    for (let i = 1; i < log.length; i += 1) expect(log[i]!.start).toBeGreaterThanOrEqual(log[i - 1]!.end)
  })

  it('chimes before each sentence', async () => {
    const order: string[] = []
    const a = new Announcer({
      chime: async () => void order.push('chime'),
      speak: async (t) => void order.push(t),
    })
    a.announce('一')
    a.announce('二')
    await settle(a)
    expect(order).toEqual(['chime', '一', 'chime', '二'])
  })

  it('drops calls while muted and goes on after a voice that fails', async () => {
    const said: string[] = []
    const a = new Announcer({
      chime: () => Promise.reject(new Error('no audio')),
      speak: async (t) => {
        if (t === 'bad') throw new Error('no voice')
        said.push(t)
      },
    })
    a.muted = true
    a.announce('muted')
    a.muted = false
    a.announce('bad')
    a.announce('good')
    await settle(a)
    expect(said).toEqual(['good'])
  })
})

describe('speaker', () => {
  afterEach(() => vi.useRealTimers())

  class FakeUtterance {
    lang = ''
    rate = 1
    onend: (() => void) | null = null
    onerror: (() => void) | null = null
    constructor(readonly text: string) {}
  }

  it('speaks Mandarin and resolves when the utterance ends', async () => {
    const spoken: FakeUtterance[] = []
    const synth: SpeechLike = {
      speak: (u) => {
        spoken.push(u as unknown as FakeUtterance)
        setTimeout(() => (u as unknown as FakeUtterance).onend?.(), 5)
      },
      cancel: () => undefined,
    }
    await speaker(synth, (t) => new FakeUtterance(t) as unknown as SpeechSynthesisUtterance)('请 1 号')
    expect(spoken.map((u) => [u.text, u.lang])).toEqual([['请 1 号', 'zh-CN']])
  })

  it('gives up after the timeout when the voice never ends', async () => {
    vi.useFakeTimers()
    const cancel = vi.fn()
    const said = speaker({ speak: () => undefined, cancel }, (t) => new FakeUtterance(t) as unknown as SpeechSynthesisUtterance, 1000)(
      '请 1 号',
    )
    await vi.advanceTimersByTimeAsync(1000)
    await said
    expect(cancel).toHaveBeenCalledOnce()
  })
})
