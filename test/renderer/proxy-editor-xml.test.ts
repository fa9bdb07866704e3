import { describe, expect, it } from 'vitest'
import { EditorState } from '@codemirror/state'
import { xml } from '@codemirror/lang-xml'
import { elementAt, elementByPath, offsetOf } from '../../src/renderer/src/components/proxy-editor/xmlRanges'

const doc = `<ProxyEndpoint name="default">
  <Flows>
    <Flow name="a"><Condition>x</Condition></Flow>
    <Flow name="b">
      <Condition>y</Condition>
      <Request/>
    </Flow>
  </Flows>
</ProxyEndpoint>`
const state = EditorState.create({ doc, extensions: [xml()] })
const text = (r: { from: number; to: number } | null) => (r ? doc.slice(r.from, r.to) : null)

describe('xml ranges in the editor document', () => {
  it.each([
    ['/ProxyEndpoint/Flows/Flow[2]/Condition', '<Condition>y</Condition>'],
    ['/ProxyEndpoint/Flows/Flow/Condition', '<Condition>x</Condition>'],
    ['/ProxyEndpoint/Flows/Flow[2]/Request', '<Request/>'],
    ['/ProxyEndpoint/Flows/Flow[3]', null],
    ['/TargetEndpoint', null]
  ])('finds %s by its engine path', (path, expected) => {
    expect(text(elementByPath(state, path))).toBe(expected)
  })

  it('finds the element whose tag starts at a line and column (deployment errors point at the "<")', () => {
    const found = elementAt(state, offsetOf(state, 5, 7))
    expect(found?.name).toBe('Condition')
    expect(text(found)).toBe('<Condition>y</Condition>')
  })

  it('falls back to the innermost element containing the position', () => {
    expect(elementAt(state, offsetOf(state, 5, 18))?.name).toBe('Condition')
    expect(elementAt(state, offsetOf(state, 2, 1))?.name).toBe('ProxyEndpoint')
  })

  it('clamps positions outside the document', () => {
    expect(offsetOf(state, 99, 1)).toBe(doc.lastIndexOf('\n') + 1)
    expect(offsetOf(state, 1, 999)).toBe(doc.indexOf('\n'))
  })
})
