// Parsing annotations.json into a value, with 1-based positions for anything that goes wrong.
// Strict JSON is the rule; trailing commas are the one exception, because the seed's own sample
// has one. Comments, single quotes and the like stay invalid.

import {
  findNodeAtLocation,
  parse as parseTolerant,
  parseTree,
  printParseErrorCode,
  type Node as JsonNode,
  type ParseError,
} from 'jsonc-parser'

export type JsonPathSegment = string | number

export interface TextPosition {
  /** 1-based. */
  line: number
  /** 1-based, in UTF-16 code units. */
  column: number
}

export type ParsedAnnotations =
  | { ok: true; value: unknown; trailingCommas: TextPosition[]; locate: Locator }
  | { ok: false; message: string; position?: TextPosition }

/** Position of the value at a path, or of its nearest existing ancestor. */
export type Locator = (segments: readonly JsonPathSegment[]) => TextPosition | undefined

/** Above this size positions are not looked up: a syntax tree of a huge file costs too much memory. */
const LOCATE_LIMIT_CHARS = 32 * 1024 * 1024

const PARSE_ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected a colon',
  CommaExpected: 'expected a comma',
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
}

export function jsonPath(segments: readonly JsonPathSegment[]): string {
  let path = '$'
  for (const segment of segments)
    path += typeof segment === 'number' ? `[${segment}]` : `.${segment}`
  return path
}

/** Maps character offsets to 1-based line and column; built on first use. */
function positionFinder(text: string): (offset: number) => TextPosition {
  let lineStarts: number[] | undefined
  return (offset) => {
    if (lineStarts === undefined) {
      lineStarts = [0]
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i)
        if (c === 10) lineStarts.push(i + 1)
        else if (c === 13 && text.charCodeAt(i + 1) !== 10) lineStarts.push(i + 1)
      }
    }
    let low = 0
    let high = lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((lineStarts[mid] ?? 0) <= offset) low = mid
      else high = mid - 1
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 }
  }
}

/** Offsets of commas directly followed (after whitespace) by a closing bracket. */
function findTrailingCommas(text: string): number[] {
  const found: number[] = []
  let inString = false
  let pendingComma = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      continue
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue
    if ((c === 125 || c === 93) && pendingComma >= 0) found.push(pendingComma)
    pendingComma = c === 44 ? i : -1
    if (c === 34) inString = true
  }
  return found
}

/** V8 reports "... at position N" for JSON.parse failures. */
function offsetFromEngineMessage(message: string): number | undefined {
  const match = /position (\d+)/.exec(message)
  return match?.[1] === undefined ? undefined : Number(match[1])
}

function makeLocator(text: string, positionOf: (offset: number) => TextPosition): Locator {
  let root: JsonNode | undefined
  let built = false
  return (segments) => {
    if (!built) {
      built = true
      if (text.length <= LOCATE_LIMIT_CHARS) {
        try {
          root = parseTree(text, [], { allowTrailingComma: true, disallowComments: true })
        } catch {
          root = undefined // nesting deep enough to exhaust the stack: no positions
        }
      }
    }
    if (root === undefined) return undefined
    try {
      for (let depth = segments.length; depth >= 0; depth--) {
        const node = findNodeAtLocation(root, segments.slice(0, depth) as JsonPathSegment[])
        if (node !== undefined) return positionOf(node.offset)
      }
    } catch {
      // A position is a convenience; the finding stands without it.
    }
    return undefined
  }
}

export function parseAnnotationsJson(input: string): ParsedAnnotations {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input
  const positionOf = positionFinder(text)
  try {
    const value: unknown = JSON.parse(text)
    return { ok: true, value, trailingCommas: [], locate: makeLocator(text, positionOf) }
  } catch {
    // Not strict JSON: find out where, and whether trailing commas are the only reason.
  }
  try {
    const errors: ParseError[] = []
    parseTolerant(text, errors, { allowTrailingComma: true, disallowComments: true })
    const first = errors[0]
    if (first !== undefined) {
      const position = positionOf(first.offset)
      const what = PARSE_ERROR_TEXT[printParseErrorCode(first.error)] ?? 'invalid JSON'
      return {
        ok: false,
        message: `annotations.json is not valid JSON: ${what} at line ${position.line}, column ${position.column}`,
        position,
      }
    }
    const commas = findTrailingCommas(text)
    // Replacing each comma by a space keeps every other offset, and so every position, unchanged.
    const pieces: string[] = []
    let from = 0
    for (const offset of commas) {
      pieces.push(text.slice(from, offset), ' ')
      from = offset + 1
    }
    pieces.push(text.slice(from))
    const blanked = pieces.join('')
    try {
      const value: unknown = JSON.parse(blanked)
      return {
        ok: true,
        value,
        trailingCommas: commas.map(positionOf),
        locate: makeLocator(text, positionOf),
      }
    } catch (thrown) {
      const offset = offsetFromEngineMessage(thrown instanceof Error ? thrown.message : '')
      const position = offset === undefined ? undefined : positionOf(offset)
      return {
        ok: false,
        message:
          position === undefined
            ? 'annotations.json is not valid JSON'
            : `annotations.json is not valid JSON: unexpected text at line ${position.line}, column ${position.column}`,
        position,
      }
    }
  } catch {
    return { ok: false, message: 'annotations.json is not valid JSON: nesting is too deep' }
  }
}
