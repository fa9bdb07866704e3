/**
 * XMLThreatProtection: checks an XML payload against name, structure and value limits with a streaming
 * SAX scan (xml-scan.ts) before any other policy parses it. Only XML messages are inspected [U: see fidelity].
 */
import { child, type XmlElement } from '../../bundle/xml'
import { PolicyFault, type FaultSpec } from '../../faults/fault'
import type { CompileContext, PolicyHandler } from '../types'
import { scanXml, type XmlLimits } from './xml-scan'
import { limitValue, payloadToCheck } from './source'

export interface XmlThreatProtectionConfig {
  limits: XmlLimits
  source: string | null
}

const spec = (name: string, faultstring: string): FaultSpec => ({ name, status: 500, errorcode: `steps.xmlthreatprotection.${name}`, faultstring })

/** XMLThreatProtection runtime faults, faultstrings as the reference's error pages write them. */
export const xmlThreatProtectionFaults = {
  limitExceeded: (policy: string, reason: string, line: number, char: number) =>
    spec('ExecutionFailed', `XMLThreatProtection[${policy}]: Execution failed. reason: XMLThreatProtection[${policy}]: ${reason} at line ${line}(possibly around char ${char})`),
  /** The payload is not well-formed XML ([U] wording of the parser's reason). */
  invalidXml: (policy: string, reason: string, line: number, char: number) =>
    spec('InvalidXMLPayload', `XMLThreatProtection[${policy}]: Execution failed. reason: ${reason} at line ${line}(possibly around char ${char})`),
  sourceUnavailable: (policy: string, source: string) => spec('SourceUnavailable', `XMLThreatProtection[${policy}]:: Source ${source} is not available`),
  nonMessageVariable: (_policy: string, source: string) => spec('NonMessageVariable', `Variable ${source} does not resolve to a Message`)
}

const XML_TYPES = new Set(['application/xml', 'text/xml'])

function limit(group: XmlElement | undefined, element: string, ctx: CompileContext): number | null {
  const el = group ? child(group, element) : undefined
  const value = limitValue(el?.text)
  if (value !== 'invalid') return value
  ctx.error('InvalidLimit', `<${group!.name}><${element}> must be a whole number, got "${el!.text}"`, el)
  return null
}

/** The XMLThreatProtection policy handler. */
export const xmlThreatProtectionPolicy: PolicyHandler<XmlThreatProtectionConfig> = {
  type: 'XMLThreatProtection',
  faultVariablePrefix: 'xmlattack',
  compile(root, ctx) {
    const names = child(root, 'NameLimits')
    const structure = child(root, 'StructureLimits')
    const values = child(root, 'ValueLimits')
    const childCountEl = structure ? child(structure, 'ChildCount') : undefined
    const include = (attribute: string): boolean => (childCountEl?.attributes[attribute] ?? 'true').toLowerCase() !== 'false'
    const source = child(root, 'Source')?.text
    return {
      limits: {
        name: {
          element: limit(names, 'Element', ctx),
          attribute: limit(names, 'Attribute', ctx),
          namespacePrefix: limit(names, 'NamespacePrefix', ctx),
          processingInstructionTarget: limit(names, 'ProcessingInstructionTarget', ctx)
        },
        structure: {
          nodeDepth: limit(structure, 'NodeDepth', ctx),
          attributeCountPerElement: limit(structure, 'AttributeCountPerElement', ctx),
          namespaceCountPerElement: limit(structure, 'NamespaceCountPerElement', ctx),
          childCount: limit(structure, 'ChildCount', ctx),
          childCountIncludes: {
            comment: include('includeComment'),
            element: include('includeElement'),
            processingInstruction: include('includeProcessingInstruction'),
            text: include('includeText')
          }
        },
        value: {
          text: limit(values, 'Text', ctx),
          attribute: limit(values, 'Attribute', ctx),
          namespaceURI: limit(values, 'NamespaceURI', ctx),
          comment: limit(values, 'Comment', ctx),
          processingInstructionData: limit(values, 'ProcessingInstructionData', ctx)
        }
      },
      source: source === undefined || source === '' ? null : source
    }
  },
  execute(config, ctx) {
    const payload = payloadToCheck(config.source, ctx, xmlThreatProtectionFaults, 'XML', (type) => XML_TYPES.has(type) || type.endsWith('+xml'))
    if (!payload) return
    const { name, body } = payload
    const result = scanXml(body, config.limits)
    if (result.ok) {
      ctx.note(`${name} payload (${body.length} characters) within every limit`)
      return
    }
    ctx.variables.set('xmlattack.failed', true)
    const fault = result.kind === 'limit' ? xmlThreatProtectionFaults.limitExceeded : xmlThreatProtectionFaults.invalidXml
    throw new PolicyFault(fault(ctx.policyName, result.reason, result.line, result.char))
  }
}
