// The paper a print view prints on: its @page rule and the width of the sheet on it. The rule goes into a
// <style> of its own while the view is open (PrintPage): an @page rule in a view's stylesheet would outlive
// the view (loaded CSS stays in the document) and fight the other views' rules.

export type Paper = '80mm' | 'A5' | 'A5-landscape' | 'A4'

interface PaperSpec {
  /** The CSS page size. A thermal roll has no fixed length: the driver cuts after the content. */
  size: string
  margin: string
  /** The printable width, which the sheet has on screen too (a preview of the line breaks). */
  width: string
}

export const PAPERS: Record<Paper, PaperSpec> = {
  '80mm': { size: '80mm 297mm', margin: '2mm 3mm', width: '74mm' },
  A5: { size: 'A5', margin: '8mm', width: '132mm' },
  'A5-landscape': { size: 'A5 landscape', margin: '8mm', width: '194mm' },
  A4: { size: 'A4', margin: '12mm', width: '186mm' },
}

/** The @page rule for a paper. */
export function pageRule(paper: Paper): string {
  const { size, margin } = PAPERS[paper]
  return `@page { size: ${size}; margin: ${margin}; }`
}
