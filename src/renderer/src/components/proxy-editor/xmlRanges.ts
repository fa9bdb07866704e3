/**
 * Finds XML elements in an editor document through CodeMirror's own XML syntax tree, so that a
 * deployment error (line/column of the element's `<`, or its path) or an outline entry can be
 * revealed and highlighted where it is.
 */
import type { EditorState } from '@codemirror/state'
import { ensureSyntaxTree } from '@codemirror/language'
import type { SyntaxNode } from '@lezer/common'

export interface ElementRange {
  from: number
  to: number
  /** The element's name, e.g. `Operation`. */
  name: string
}

function treeOf(state: EditorState) {
  // Bundle files are small: parse the whole document (bounded in time) rather than the visible part.
  return ensureSyntaxTree(state, state.doc.length, 2000)
}

function tagNameOf(state: EditorState, element: SyntaxNode): string | null {
  const open = element.getChild('OpenTag') ?? element.getChild('SelfClosingTag')
  const name = open?.getChild('TagName')
  return name ? state.sliceDoc(name.from, name.to) : null
}

function elementChildren(element: SyntaxNode): SyntaxNode[] {
  return element.getChildren('Element')
}

/** Offset of a 1-based line and column, clamped to the document. */
export function offsetOf(state: EditorState, line: number, column: number): number {
  const l = state.doc.line(Math.min(Math.max(1, line), state.doc.lines))
  return Math.min(l.from + Math.max(0, column - 1), l.to)
}

/** The innermost element whose start tag begins at (or, failing that, contains) the position. */
export function elementAt(state: EditorState, pos: number): ElementRange | null {
  const tree = treeOf(state)
  if (!tree) return null
  let best: SyntaxNode | null = null
  tree.iterate({
    enter: (node) => {
      if (node.name !== 'Element') return node.from <= pos && pos <= node.to
      if (node.from > pos || node.to < pos) return false
      if (node.from === pos) {
        best = node.node
        return false
      }
      best = node.node
      return true
    }
  })
  const found = best as SyntaxNode | null
  if (!found) return null
  return { from: found.from, to: found.to, name: tagNameOf(state, found) ?? '' }
}

/** The element at an engine-style path (`/ProxyEndpoint/Flows/Flow[2]/Condition`), or null. */
export function elementByPath(state: EditorState, path: string): ElementRange | null {
  const tree = treeOf(state)
  if (!tree) return null
  const segments = path.split('/').filter(Boolean).map((s) => {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(s)
    return { name: m?.[1] ?? s, index: m?.[2] ? Number(m[2]) : 1 }
  })
  const top = tree.topNode.getChildren('Element')
  let candidates: SyntaxNode[] = top
  let current: SyntaxNode | null = null
  for (const segment of segments) {
    const same = candidates.filter((c) => tagNameOf(state, c) === segment.name)
    current = same[segment.index - 1] ?? null
    if (!current) return null
    candidates = elementChildren(current)
  }
  return current ? { from: current.from, to: current.to, name: tagNameOf(state, current) ?? '' } : null
}
