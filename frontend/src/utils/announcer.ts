// Voice calling (语音叫号) for the waiting-room board: which rooms called someone new since the last poll, the
// Mandarin sentence for a call, and one FIFO queue that plays a chime and speaks each sentence in turn, so two
// calls never talk over each other. The browser's speech and audio are injected, so the queue is testable.
import type { BoardPatient, BoardRoom } from '@/api/types'

/** Where a room is: the department's location, then the room ("门诊楼1层B区2诊室"), said once where the room's
 * number already starts with the location. */
export function roomPlace(room: Pick<BoardRoom, 'room_no' | 'location'>): string {
  const location = room.location?.trim() ?? ''
  return room.room_no.startsWith(location) ? room.room_no : `${location}${room.room_no}`
}

/** "请 3 号 张*兰 到 门诊楼1层B区2诊室 就诊": the patient, the department's location and the room. */
export function callSentence(patient: BoardPatient, room: Pick<BoardRoom, 'room_no' | 'location'>): string {
  return `请 ${patient.queue_no} 号 ${patient.masked_name} 到 ${roomPlace(room)} 就诊`
}

/**
 * Remembers each room's last call (`current.called_at`) and tells which rooms called someone since the last
 * board: a new patient, or the same one called again. The first board only sets the baseline: what is already
 * current when the screen opens is not announced.
 */
export class CallWatcher {
  private seen: Map<string, string | null> | null = null

  /** The rooms whose call is new, in the board's order. */
  update(rooms: BoardRoom[]): BoardRoom[] {
    const first = this.seen === null
    const before = this.seen ?? new Map<string, string | null>()
    const now = new Map<string, string | null>()
    const fresh: BoardRoom[] = []
    for (const room of rooms) {
      const at = room.current?.called_at ?? null
      now.set(room.room_no, at)
      if (!first && at !== null && before.get(room.room_no) !== at) fresh.push(room)
    }
    this.seen = now
    return fresh
  }

  /** Forget the baseline (another filter shows other rooms): the next board sets it again. */
  reset(): void {
    this.seen = null
  }
}

export interface Voice {
  /** A short chime before the sentence. */
  chime(): Promise<void>
  /** Speaks a sentence, resolving when it has been said (or given up on). */
  speak(text: string): Promise<void>
}

/** Plays announcements one after another, in the order they came. */
export class Announcer {
  private readonly queue: string[] = []
  private running = false
  muted = false

  constructor(private readonly voice: Voice) {}

  /** Queues a sentence (dropped while muted). */
  announce(text: string): void {
    if (this.muted) return
    this.queue.push(text)
    if (!this.running) void this.run()
  }

  /** Drops what has not been said yet. */
  clear(): void {
    this.queue.length = 0
  }

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0)
  }

  private async run(): Promise<void> {
    this.running = true
    try {
      for (let text = this.queue.shift(); text !== undefined; text = this.queue.shift()) {
        if (this.muted) continue
        await this.voice.chime().catch(() => undefined)
        await this.voice.speak(text).catch(() => undefined)
      }
    } finally {
      this.running = false
    }
  }
}

/** The parts of `window.speechSynthesis` the queue uses. */
export interface SpeechLike {
  speak(utterance: SpeechSynthesisUtterance): void
  cancel(): void
}

/**
 * Speaks with the Web Speech API in Mandarin. Resolves on `onend` or `onerror`, or after `timeoutMs` at the
 * latest (a voice that never ends must not hold up the calls behind it).
 */
export function speaker(
  synth: SpeechLike,
  makeUtterance: (text: string) => SpeechSynthesisUtterance,
  timeoutMs = 15_000,
): (text: string) => Promise<void> {
  return (text) =>
    new Promise<void>((resolve) => {
      const u = makeUtterance(text)
      u.lang = 'zh-CN'
      u.rate = 0.9
      const timer = setTimeout(() => {
        synth.cancel()
        done()
      }, timeoutMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      u.onend = done
      u.onerror = done
      synth.speak(u)
    })
}

/** Two short tones (叮咚) with the Web Audio API; nothing when the browser has no audio. */
export function chime(context: () => AudioContext | null): () => Promise<void> {
  return async () => {
    const ctx = context()
    if (!ctx) return
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined)
    const start = ctx.currentTime
    for (const [i, freq] of [880, 660].entries()) {
      const osc = ctx.createOscillator()
      const gain = ctx.createGain()
      osc.type = 'sine'
      osc.frequency.value = freq
      const at = start + i * 0.35
      gain.gain.setValueAtTime(0.0001, at)
      gain.gain.exponentialRampToValueAtTime(0.4, at + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.32)
      osc.connect(gain).connect(ctx.destination)
      osc.start(at)
      osc.stop(at + 0.34)
    }
    await new Promise((r) => setTimeout(r, 750))
  }
}

/** The browser's voice: the chime, then the sentence spoken by `speechSynthesis` (silent where it is missing). */
export function browserVoice(): Voice {
  let ctx: AudioContext | null | undefined
  const audio = (): AudioContext | null => {
    if (ctx === undefined) {
      const Ctor = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext
      try {
        ctx = Ctor ? new Ctor() : null
      } catch {
        ctx = null
      }
    }
    return ctx
  }
  const synth = (globalThis as { speechSynthesis?: SpeechSynthesis }).speechSynthesis
  const Utterance = (globalThis as { SpeechSynthesisUtterance?: typeof SpeechSynthesisUtterance })
    .SpeechSynthesisUtterance
  return {
    chime: chime(audio),
    speak: synth && Utterance ? speaker(synth, (text) => new Utterance(text)) : () => Promise.resolve(),
  }
}
