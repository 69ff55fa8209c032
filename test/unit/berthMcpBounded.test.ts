import { describe, expect, it } from 'vitest';
import { boundText, firstItems, lastLines, MAX_LINES, MAX_TEXT_BYTES } from '../../daemon/berthMcp/bounded.js';

describe("bounds on what Berth's own tools answer", () => {
  it('keeps the newest lines and says it cut the rest', () => {
    const lines = Array.from({ length: MAX_LINES + 5 }, (_, i) => `line ${i}`);
    const { value, truncated } = lastLines(lines);
    expect(truncated).toBe(true);
    expect(value).toHaveLength(MAX_LINES);
    expect(value.at(-1)).toBe(`line ${MAX_LINES + 4}`);
  });

  it('keeps lines under the byte budget, newest first', () => {
    const long = 'x'.repeat(10_000);
    const { value, truncated } = lastLines([...Array.from({ length: 20 }, () => long), 'last']);
    expect(truncated).toBe(true);
    expect(value.at(-1)).toBe('last');
    expect(value.join('\n').length).toBeLessThanOrEqual(MAX_TEXT_BYTES);
  });

  it('leaves short output whole', () => {
    expect(lastLines(['a', 'b'])).toEqual({ value: ['a', 'b'], truncated: false });
    expect(boundText('héllo')).toEqual({ value: 'héllo', truncated: false });
    expect(firstItems([1, 2], 2)).toEqual({ value: [1, 2], truncated: false });
  });

  it('cuts text on a character boundary', () => {
    const { value, truncated } = boundText('é'.repeat(10), 5);
    expect(truncated).toBe(true);
    expect(value).toBe('éé');
  });

  it('cuts lists to their first items', () => {
    expect(firstItems([1, 2, 3], 2)).toEqual({ value: [1, 2], truncated: true });
  });
});
