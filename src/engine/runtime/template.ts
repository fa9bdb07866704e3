/**
 * Apigee message templates: literal text with `{variable}` references, compiled once at deployment.
 * Only a brace pair holding a valid variable name is a reference, so JSON payloads stay literal.
 */
import type { FlowVariables } from '../policies/types'

export type TemplatePart = { literal: string } | { variable: string }

/** A compiled template. */
export interface MessageTemplate {
  source: string
  parts: TemplatePart[]
  variables: string[]
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.\-]*$/

/** Compiles `text` with `prefix`/`suffix` delimiters (Apigee's Payload variablePrefix/variableSuffix). */
export function compileTemplate(text: string, prefix = '{', suffix = '}'): MessageTemplate {
  const parts: TemplatePart[] = []
  const variables: string[] = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    if (text.startsWith(prefix, i)) {
      const end = text.indexOf(suffix, i + prefix.length)
      const name = end < 0 ? '' : text.slice(i + prefix.length, end)
      if (end >= 0 && VARIABLE_NAME.test(name)) {
        if (literal !== '') parts.push({ literal })
        literal = ''
        parts.push({ variable: name })
        variables.push(name)
        i = end + suffix.length
        continue
      }
    }
    literal += text[i]
    i++
  }
  if (literal !== '') parts.push({ literal })
  return { source: text, parts, variables }
}

/** Renders a template; unresolved variables render as empty text and are reported in `unresolved`. */
export function renderTemplate(template: MessageTemplate, variables: FlowVariables, unresolved?: string[]): string {
  if (template.variables.length === 0) return template.source
  let out = ''
  for (const part of template.parts) {
    if ('literal' in part) out += part.literal
    else {
      const value = variables.getString(part.variable)
      if (value === undefined) unresolved?.push(part.variable)
      else out += value
    }
  }
  return out
}
