// Building DOM from data without markup: text always goes in through textContent, so nothing a
// server sends (tool names, descriptions, error messages) can become HTML.

/** An element with classes, attributes and children; strings become text nodes. */
export function el(tag: string, opts: { class?: string; attrs?: Record<string, string> } = {}, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  if (opts.class) e.className = opts.class;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) e.setAttribute(k, v);
  e.append(...children.map((c) => (typeof c === 'string' ? document.createTextNode(c) : c)));
  return e;
}

/** A codicon from the document's codicon.css; `~spin` as in VS Code's own icon ids. */
export function codicon(id: string, color?: string): HTMLElement {
  const [name, modifier] = id.split('~');
  const icon = el('span', { class: `codicon codicon-${name ?? id}${modifier ? ` codicon-modifier-${modifier}` : ''}`, attrs: { 'aria-hidden': 'true' } });
  // A theme color id ("testing.iconPassed") is exposed to webviews as --vscode-testing-iconPassed.
  if (color) icon.style.color = `var(--vscode-${color.replace(/\./g, '-')})`;
  return icon;
}

/**
 * A toolkit table: one header row, then one row per entry; cells are text or nodes. A cell cuts
 * long text short, so it carries the whole text as its tooltip.
 */
export function table(columns: string[], widths: string[], rows: (Node | string)[][]): HTMLElement {
  const cell = (tag: string, c: Node | string) => el(tag, { attrs: { title: typeof c === 'string' ? c : (c.textContent ?? '') } }, c);
  return el(
    'vscode-table',
    { attrs: { zebra: '', 'bordered-rows': '', resizable: '', columns: JSON.stringify(widths) } },
    el('vscode-table-header', { attrs: { slot: 'header' } }, ...columns.map((c) => cell('vscode-table-header-cell', c))),
    el('vscode-table-body', { attrs: { slot: 'body' } }, ...rows.map((r) => el('vscode-table-row', {}, ...r.map((c) => cell('vscode-table-cell', c))))),
  );
}

/** A definition list of label/value rows. */
export function facts(rows: { label: string; value: string }[]): HTMLElement {
  return el('dl', { class: 'facts' }, ...rows.flatMap((r) => [el('dt', {}, r.label), el('dd', {}, r.value)]));
}
