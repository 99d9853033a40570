/** One choice of an el-select's or el-radio-group's `options`. */
export interface Option<V> {
  value: V
  label: string
}

/** The `options` of a select over a list: each item's value and its label. */
export function optionsOf<T, V>(items: readonly T[], value: (item: T) => V, label: (item: T) => string): Option<V>[] {
  return items.map((item) => ({ value: value(item), label: label(item) }))
}
