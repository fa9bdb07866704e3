/**
 * JavaRegex (`~~`): Java's java.util.regex syntax translated to a JavaScript RegExp (unicode mode),
 * matched against the whole value like Matcher.matches(). A pattern that Java would reject, or that uses
 * a construct JavaScript cannot express, compiles to `null` and never matches.
 */

/** The translated source and flags; `null` when the pattern cannot be expressed. */
export function translateJavaRegex(pattern: string): { source: string; flags: string } | null {
  return new JavaRegexTranslator(pattern).translate()
}

/** Compiles a Java pattern to an anchored RegExp for whole-string matching, or null when invalid. */
export function compileJavaRegex(pattern: string): RegExp | null {
  const translated = translateJavaRegex(pattern)
  if (translated === null) return null
  const multiline = translated.flags.includes('m')
  // With MULTILINE, ^ and $ would stop at line ends; lookarounds anchor at the true ends instead.
  const anchored = multiline ? `(?<![\\s\\S])(?:${translated.source})(?![\\s\\S])` : `^(?:${translated.source})$`
  try {
    return new RegExp(anchored, translated.flags + 'u')
  } catch {
    return null
  }
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r'
}

const HORIZONTAL_SPACE = '\\t \\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000'
const VERTICAL_SPACE = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029'
const JS_SYNTAX_CHARACTERS = '^$\\.*+?()[]{}|/'

class Unsupported extends Error {}

class JavaRegexTranslator {
  private i = 0
  private out = ''
  private flags = new Set<string>()
  private inClass = false
  /** Nested `[...]` inside a class (Java union) are flattened; this counts the open ones. */
  private nestedClassDepth = 0

  constructor(private readonly pattern: string) {}

  translate(): { source: string; flags: string } | null {
    try {
      this.readLeadingFlags()
      while (this.i < this.pattern.length) this.step()
      if (this.inClass) return null
      let flags = ''
      if (this.flags.has('i')) flags += 'i'
      if (this.flags.has('m')) flags += 'm'
      if (this.flags.has('s')) flags += 's'
      return { source: this.out, flags }
    } catch {
      // Unsupported constructs throw Unsupported; anything else is treated the same: the pattern never matches.
      return null
    }
  }

  /** `(?ims)` at the very start sets flags for the whole pattern, which JavaScript can express. */
  private readLeadingFlags(): void {
    for (;;) {
      const match = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(this.pattern.slice(this.i))
      if (match === null) return
      for (const flag of match[1] ?? '') this.addFlag(flag, true)
      for (const flag of match[2] ?? '') this.addFlag(flag, false)
      this.i += match[0].length
    }
  }

  private addFlag(flag: string, on: boolean): void {
    if (!'imsxudU'.includes(flag)) throw new Unsupported()
    if (on) this.flags.add(flag)
    else this.flags.delete(flag)
  }

  private step(): void {
    const p = this.pattern
    const c = p[this.i] as string
    if (this.flags.has('x')) {
      if (/\s/.test(c)) {
        this.i++
        return
      }
      if (c === '#' && !this.inClass) {
        while (this.i < p.length && p[this.i] !== '\n') this.i++
        return
      }
    }
    if (c === '\\') {
      this.escape()
      return
    }
    if (this.inClass) {
      this.classCharacter(c)
      return
    }
    switch (c) {
      case '[':
        this.i++
        this.inClass = true
        this.out += '['
        if (p[this.i] === '^') {
          this.out += '^'
          this.i++
        }
        // Java reads a `]` right after `[` or `[^` as a literal.
        if (p[this.i] === ']') {
          this.out += '\\]'
          this.i++
        }
        return
      case ']':
      case '}':
        this.out += '\\' + c
        this.i++
        return
      case '{': {
        const quantifier = /^\{\d+(?:,\d*)?\}/.exec(p.slice(this.i))
        if (quantifier === null) throw new Unsupported()
        this.out += quantifier[0]
        this.i += quantifier[0].length
        this.quantifierSuffix()
        return
      }
      case '*':
      case '+':
      case '?':
        this.out += c
        this.i++
        this.quantifierSuffix()
        return
      case '(':
        this.group()
        return
      default:
        this.out += c
        this.i++
    }
  }

  /** After a quantifier: `?` (reluctant) is kept; `+` (possessive) has no JS form and becomes greedy. */
  private quantifierSuffix(): void {
    const next = this.pattern[this.i]
    if (next === '?') {
      this.out += '?'
      this.i++
    } else if (next === '+') {
      this.i++
    }
  }

  private group(): void {
    const rest = this.pattern.slice(this.i)
    const special = /^\((\?(?::|=|!|<=|<!|<[a-zA-Z][a-zA-Z0-9]*>))/.exec(rest)
    if (special !== null) {
      this.out += special[0]
      this.i += special[0].length
      return
    }
    if (rest.startsWith('(?>')) {
      // Atomic groups have no JS form; a plain group matches the same strings except in backtracking corner cases.
      this.out += '(?:'
      this.i += 3
      return
    }
    const flagGroup = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?(:|\))/.exec(rest)
    if (flagGroup !== null) {
      // Mid-pattern flags are only accepted when they change nothing (Node 20 has no inline modifiers).
      const on = flagGroup[1] ?? ''
      const off = flagGroup[2] ?? ''
      for (const flag of on) if (!this.flags.has(flag) && flag !== 'u' && flag !== 'U' && flag !== 'd') throw new Unsupported()
      for (const flag of off) if (this.flags.has(flag)) throw new Unsupported()
      this.out += flagGroup[3] === ':' ? '(?:' : ''
      this.i += flagGroup[0].length
      return
    }
    if (rest.startsWith('(?')) throw new Unsupported()
    this.out += '('
    this.i++
  }

  private classCharacter(c: string): void {
    const p = this.pattern
    if (c === '[') {
      if (p[this.i + 1] === '^') throw new Unsupported()
      this.nestedClassDepth++
      this.i++
      return
    }
    if (c === ']') {
      if (this.nestedClassDepth > 0) this.nestedClassDepth--
      else {
        this.inClass = false
        this.out += ']'
      }
      this.i++
      return
    }
    if (c === '&' && p[this.i + 1] === '&') throw new Unsupported()
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === '/' || c === '|') this.out += '\\' + c
    else this.out += c
    this.i++
  }

  private escape(): void {
    const p = this.pattern
    const next = p[this.i + 1]
    if (next === undefined) throw new Unsupported()
    this.i += 2
    switch (next) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
      case 't':
      case 'n':
      case 'r':
      case 'f':
        this.out += '\\' + next
        return
      case 'b':
      case 'B':
        if (this.inClass) throw new Unsupported()
        this.out += '\\' + next
        return
      case 'a':
        this.out += '\\x07'
        return
      case 'e':
        this.out += '\\x1B'
        return
      case 'A':
        this.outsideClassOnly('(?<![\\s\\S])')
        return
      case 'z':
        this.outsideClassOnly('(?![\\s\\S])')
        return
      case 'Z':
        this.outsideClassOnly('(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?(?![\\s\\S]))')
        return
      case 'R':
        this.outsideClassOnly('(?:\\r\\n|[' + VERTICAL_SPACE + '])')
        return
      case 'h':
        this.out += this.inClass ? HORIZONTAL_SPACE : '[' + HORIZONTAL_SPACE + ']'
        return
      case 'v':
        this.out += this.inClass ? VERTICAL_SPACE : '[' + VERTICAL_SPACE + ']'
        return
      case 'H':
        this.outsideClassOnly('[^' + HORIZONTAL_SPACE + ']')
        return
      case 'V':
        this.outsideClassOnly('[^' + VERTICAL_SPACE + ']')
        return
      case 'Q': {
        const end = p.indexOf('\\E', this.i)
        const quoted = end === -1 ? p.slice(this.i) : p.slice(this.i, end)
        this.i = end === -1 ? p.length : end + 2
        for (const ch of quoted) this.out += this.literal(ch)
        return
      }
      case 'E':
        return
      case 'x': {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(p.slice(this.i))
        if (braced !== null) {
          this.out += `\\u{${braced[1]}}`
          this.i += braced[0].length
          return
        }
        const two = /^[0-9a-fA-F]{2}/.exec(p.slice(this.i))
        if (two === null) throw new Unsupported()
        this.out += '\\x' + two[0]
        this.i += 2
        return
      }
      case 'u': {
        const four = /^[0-9a-fA-F]{4}/.exec(p.slice(this.i))
        if (four === null) throw new Unsupported()
        this.out += '\\u' + four[0]
        this.i += 4
        return
      }
      case '0': {
        const octal = /^(?:[0-3][0-7]{2}|[0-7]{1,2})/.exec(p.slice(this.i))
        if (octal === null) throw new Unsupported()
        this.out += `\\u{${parseInt(octal[0], 8).toString(16)}}`
        this.i += octal[0].length
        return
      }
      case 'c': {
        const control = p[this.i]
        if (control === undefined || !/[A-Za-z]/.test(control)) throw new Unsupported()
        this.out += '\\c' + control
        this.i++
        return
      }
      case 'k': {
        const name = /^<[a-zA-Z][a-zA-Z0-9]*>/.exec(p.slice(this.i))
        if (name === null || this.inClass) throw new Unsupported()
        this.out += '\\k' + name[0]
        this.i += name[0].length
        return
      }
      case 'p':
      case 'P':
        this.property(next === 'P')
        return
      default:
        if (next >= '1' && next <= '9') {
          if (this.inClass) throw new Unsupported()
          this.out += '\\' + next
          return
        }
        // Java rejects a backslash before any other letter; any other escaped character is itself.
        if (/[a-zA-Z]/.test(next)) throw new Unsupported()
        this.out += this.literal(next)
    }
  }

  private outsideClassOnly(replacement: string): void {
    if (this.inClass) throw new Unsupported()
    this.out += replacement
  }

  private property(negated: boolean): void {
    const p = this.pattern
    let name: string
    const braced = /^\{([A-Za-z_][A-Za-z0-9_=]*)\}/.exec(p.slice(this.i))
    if (braced !== null) {
      name = braced[1] as string
      this.i += braced[0].length
    } else {
      const single = p[this.i]
      if (single === undefined || !/[A-Za-z]/.test(single)) throw new Unsupported()
      name = single
      this.i++
    }
    const posix = POSIX_CLASSES[name]
    if (posix !== undefined) {
      if (this.inClass) {
        if (negated) throw new Unsupported()
        this.out += posix
      } else {
        this.out += (negated ? '[^' : '[') + posix + ']'
      }
      return
    }
    let jsName = name
    if (name.startsWith('Is') && name.length > 2) jsName = name.slice(2)
    else if (name.startsWith('In') && name.length > 2) throw new Unsupported() // Unicode blocks: no JS form
    if (jsName.startsWith('java')) throw new Unsupported()
    // Java `\p{IsLatin}` names a script; JS spells it `Script=Latin`. Categories and binary properties keep their names.
    const property = /^[A-Z][a-z]{2,}$/.test(jsName) && !KNOWN_UNICODE_PROPERTY_WORDS.has(jsName) ? `Script=${jsName}` : jsName
    this.out += `\\${negated ? 'P' : 'p'}{${property}}`
  }

  private literal(ch: string): string {
    if (JS_SYNTAX_CHARACTERS.includes(ch)) return '\\' + ch
    if (ch === '-' && this.inClass) return '\\-'
    return ch
  }
}

/** Single-word binary properties that are not script names. */
const KNOWN_UNICODE_PROPERTY_WORDS: ReadonlySet<string> = new Set([
  'Alphabetic',
  'Ideographic',
  'Letter',
  'Lowercase',
  'Uppercase',
  'Titlecase',
  'Punctuation',
  'Control',
  'Digit',
  'Hex',
  'Emoji',
  'Math',
  'Dash',
  'Any',
  'Assigned',
  'Ascii',
  'Noncharacter'
])
