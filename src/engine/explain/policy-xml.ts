/** Reads an element of a deployed policy's XML, for explanations that need its configuration. */
import type { Workspace } from '../../shared/model'
import { child, parseXml, type XmlElement } from '../bundle/xml'

/** The first child element `name` of policy `policy` in proxy `proxy`, if the XML parses. */
export function policyElement(ws: Workspace, proxy: string, policy: string, name: string): XmlElement | undefined {
  const xml = ws.proxies.find((p) => p.name === proxy)?.policies[policy]
  if (!xml) return undefined
  const parsed = parseXml(xml)
  return parsed.ok ? child(parsed.root, name) : undefined
}
