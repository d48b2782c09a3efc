/**
 * A small protobuf text-format parser for tests (the format of Triton's config.pbtxt): messages,
 * `field: value`, `field { … }`, `field: [ a, b ]` lists, strings with escapes, numbers and enum
 * identifiers. Every field is collected as a list (repeated or not), so tests read exactly what
 * the text says. Throws on anything it does not understand, which is the point of using it.
 */
export type PbValue = string | number | PbMessage;
export interface PbMessage {
  [field: string]: PbValue[];
}

type Token = { kind: 'ident' | 'number' | 'string' | 'punct'; text: string; value?: string | number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if ('{}[]:,'.includes(c)) tokens.push({ kind: 'punct', text: c }), i++;
    else if (c === '"' || c === "'") {
      let j = i + 1;
      let out = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') {
          const e = text[j + 1]!;
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else out += text[j++];
      }
      if (j >= text.length) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), value: out });
      i = j + 1;
    } else {
      const m = /^-?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected "${c}" at ${i}`);
      const isNum = /^-?[\d.]/.test(m[0]);
      tokens.push({ kind: isNum ? 'number' : 'ident', text: m[0], value: isNum ? Number(m[0]) : m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parsePbtxt(text: string): PbMessage {
  const tokens = tokenize(text);
  let p = 0;
  const peek = () => tokens[p];
  const expect = (t: string) => {
    if (tokens[p]?.text !== t) throw new Error(`expected "${t}", got "${tokens[p]?.text ?? 'end'}"`);
    p++;
  };
  const scalar = (): string | number => {
    const t = tokens[p++];
    if (!t || t.kind === 'punct') throw new Error(`expected a value, got "${t?.text ?? 'end'}"`);
    return t.value!;
  };
  const message = (close?: string): PbMessage => {
    const msg: PbMessage = {};
    while (p < tokens.length && peek()!.text !== close) {
      const name = tokens[p++]!;
      if (name.kind !== 'ident') throw new Error(`expected a field name, got "${name.text}"`);
      const values = (msg[name.text] ??= []);
      if (peek()?.text === ':') p++;
      if (peek()?.text === '[') {
        p++;
        while (peek()?.text !== ']') {
          if (peek()?.text === '{') {
            p++;
            values.push(message('}'));
            expect('}');
          } else values.push(scalar());
          if (peek()?.text === ',') p++;
        }
        expect(']');
      } else if (peek()?.text === '{') {
        p++;
        values.push(message('}'));
        expect('}');
      } else values.push(scalar());
      if (peek()?.text === ',' || peek()?.text === ';') p++;
    }
    return msg;
  };
  const root = message();
  if (p !== tokens.length) throw new Error(`trailing "${tokens[p]!.text}"`);
  return root;
}

/** The one value of a non-repeated field (throws when absent or repeated). */
export function one(msg: PbMessage, field: string): PbValue {
  const v = msg[field];
  if (!v || v.length !== 1) throw new Error(`field ${field}: expected one value, got ${v?.length ?? 0}`);
  return v[0]!;
}
