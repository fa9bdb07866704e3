/**
 * Payload XML for the mediation policies, parsed with @xmldom/xmldom under local limits: a size cap,
 * a nesting cap, and no DTD entity expansion (xmldom never expands entities declared in a DOCTYPE, so a
 * "billion laughs" document fails with an unknown entity instead of growing).
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom'

/** Largest payload the mediation policies parse or build, in characters. */
export const MAX_PAYLOAD_CHARS = 10 * 1024 * 1024
/** Deepest element nesting accepted; deeper documents are refused before any recursive walk. */
export const MAX_DEPTH = 200

/** Why a payload could not be used: `malformed` input, or input over the `limit`s above. */
export class PayloadError extends Error {
  constructor(
    readonly kind: 'malformed' | 'limit',
    message: string
  ) {
    super(message)
    this.name = 'PayloadError'
  }
}

/** Parses `text` as an XML document, or throws PayloadError saying what is wrong. */
export function parsePayloadXml(text: string): Document {
  if (text.length > MAX_PAYLOAD_CHARS) throw new PayloadError('limit', `the payload is larger than ${MAX_PAYLOAD_CHARS} characters`)
  if (text.trim() === '') throw new PayloadError('malformed', 'the payload is empty')
  let doc: Document
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new PayloadError('malformed', message)
      }
    }).parseFromString(text, 'text/xml')
  } catch (e) {
    if (e instanceof PayloadError) throw e
    throw new PayloadError('malformed', (e as Error).message.replace(/^Reporting \w+ "(.*)" caused [\s\S]*$/, '$1'))
  }
  if (!doc.documentElement) throw new PayloadError('malformed', 'the payload has no root element')
  checkDepth(doc.documentElement)
  return doc
}

/** Iterative depth check, so a deeply nested document cannot overflow the stack here or in later walks. */
function checkDepth(root: Element): void {
  const stack: Array<[Element, number]> = [[root, 1]]
  while (stack.length > 0) {
    const [el, depth] = stack.pop()!
    if (depth > MAX_DEPTH) throw new PayloadError('limit', `the payload nests elements deeper than ${MAX_DEPTH} levels`)
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) stack.push([c as Element, depth + 1])
  }
}

/** True for XML media types: text/xml, application/xml and any `+xml` type. */
export function isXmlContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')
}

/** True for JSON media types: application/json and any `+json` type. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}
