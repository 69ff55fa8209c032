import readline from 'node:readline';

/** A terminal the CLI asks on: stdin in production, a fake one in tests. */
export interface PromptInput extends NodeJS.ReadableStream {
  setRawMode(raw: boolean): unknown;
}

/** Asks a question on the terminal and returns the line typed (echoed as usual). */
export function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
}

/**
 * Asks for a secret (a secret's value, a key's passphrase): the terminal is put in raw mode so
 * nothing typed is echoed, and Ctrl-C cancels instead of leaving the terminal raw.
 */
export function askHidden(question: string, input: PromptInput = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  output.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
