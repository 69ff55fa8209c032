import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askHidden } from '../../daemon/cli/prompt.js';

/** A terminal: what is typed comes in on `input`, raw mode is recorded. */
function terminal() {
  const modes: boolean[] = [];
  const input = Object.assign(new PassThrough(), { setRawMode: (raw: boolean) => modes.push(raw) });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => (shown += c.toString()));
  return { input, output, modes, shown: () => shown };
}

describe('the hidden prompt', () => {
  it('returns what was typed (with backspace applied) and echoes none of it, leaving raw mode', async () => {
    const t = terminal();
    const answer = askHidden('Passphrase: ', t.input, t.output);
    t.input.write('hunter');
    t.input.write('x\u007f2\r');
    expect(await answer).toBe('hunter2');
    expect(t.shown()).toBe('Passphrase: \n');
    expect(t.modes).toEqual([true, false]);
  });

  it('is cancelled by Ctrl-C, and the terminal is no longer raw', async () => {
    const t = terminal();
    const answer = askHidden('Value: ', t.input, t.output);
    t.input.write('sec\u0003');
    await expect(answer).rejects.toThrow('cancelled');
    expect(t.modes).toEqual([true, false]);
  });
});
