/**
 * Where each statement of a policy document sits in its text, as IAM's policy simulator reports
 * it in MatchedStatements (StartPosition/EndPosition, lines and columns from 1). IAM's answers
 * put the start one column past the statement's `{` and the end one column past its `}`: the
 * API's documented example `{"Version":"2012-10-17","Statement":{…}}` (167 characters, the
 * statement from column 37 to 166) answers Line 1, Column 38 to Line 1, Column 167.
 *
 * The text is attacker-controlled but already validated as JSON by the policy reader; anything
 * this scanner does not understand yields no positions rather than an error.
 */

export interface TextPosition {
  line: number;
  column: number;
}

export interface StatementSpan {
  start: TextPosition;
  end: TextPosition;
}

class Scanner {
  i = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.i < this.text.length && ' \t\r\n'.includes(this.text[this.i]!)) this.i++;
  }

  expect(char: string): void {
    this.ws();
    if (this.text[this.i] !== char) throw new SyntaxError(`expected ${char} at ${this.i}`);
    this.i++;
  }

  string(): string {
    this.expect('"');
    const from = this.i;
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      this.i += this.text[this.i] === '\\' ? 2 : 1;
    }
    if (this.i >= this.text.length) throw new SyntaxError('unterminated string');
    const raw = this.text.slice(from, this.i);
    this.i++;
    return JSON.parse(`"${raw}"`) as string;
  }

  /** Skips one value; returns the indexes of its first and last characters. */
  value(): [number, number] {
    this.ws();
    const from = this.i;
    const c = this.text[this.i];
    if (c === '"') this.string();
    else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      this.i++;
      this.ws();
      if (this.text[this.i] === close) this.i++;
      else {
        for (;;) {
          if (c === '{') {
            this.string();
            this.expect(':');
          }
          this.value();
          this.ws();
          const next = this.text[this.i++];
          if (next === close) break;
          if (next !== ',') throw new SyntaxError(`expected , or ${close}`);
        }
      }
    } else {
      while (this.i < this.text.length && !',}] \t\r\n'.includes(this.text[this.i]!)) this.i++;
      if (this.i === from) throw new SyntaxError('expected a value');
    }
    return [from, this.i - 1];
  }
}

/** The statements' spans in document order (a single Statement object is one span). */
export function statementPositions(text: string): StatementSpan[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  // One column past the character at `index`, lines and columns from 1.
  const after = (index: number): TextPosition => {
    let line = lineStarts.length - 1;
    while (lineStarts[line]! > index) line--;
    return { line: line + 1, column: index - lineStarts[line]! + 2 };
  };
  const s = new Scanner(text);
  const spans: StatementSpan[] = [];
  try {
    s.expect('{');
    s.ws();
    if (text[s.i] === '}') return [];
    for (;;) {
      const key = s.string();
      s.expect(':');
      s.ws();
      if (key === 'Statement' && text[s.i] === '[') {
        s.i++;
        s.ws();
        while (text[s.i] !== ']') {
          const [from, to] = s.value();
          if (text[from] === '{') spans.push({ start: after(from), end: after(to) });
          s.ws();
          if (text[s.i] === ',') s.i++;
          s.ws();
        }
        s.i++;
      } else {
        const [from, to] = s.value();
        if (key === 'Statement' && text[from] === '{') spans.push({ start: after(from), end: after(to) });
      }
      s.ws();
      const next = text[s.i++];
      if (next === '}') break;
      if (next !== ',') return [];
    }
  } catch {
    return [];
  }
  return spans;
}
