// The log viewer page: a toolbar (streams, filter, search, jump to a time, follow, copy) over a
// virtualised list. Only the rows in view (and a few either side) exist in the DOM, at a fixed
// row height, so 100,000 lines scroll as lightly as 100.
import type { LogStream } from '../../daemon/protocol/status.js';
import type { ToLogViewer } from '../../extension/webview/logViewerMessages.js';
import { el } from '../dom.js';
import { highlights, LogModel, parseClock, STREAMS, visibleRows } from './logModel.js';

const ROW_HEIGHT = 18;

const clock = (t: number) => {
  const d = new Date(t);
  return `${d.toLocaleTimeString(undefined, { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** A toolkit text field's value (its `value` property, as the element keeps it). */
const valueOf = (e: HTMLElement) => (e as HTMLElement & { value: string }).value;

export class LogViewerPage {
  private readonly model = new LogModel();
  private readonly title = el('h1', {});
  private readonly offline = el('span', { class: 'offline', attrs: { id: 'offline', role: 'status' } }, 'Not connected; reconnecting…');
  private readonly streams = new Map<LogStream, HTMLElement>();
  private readonly filterField = el('vscode-textfield', { attrs: { id: 'filter', placeholder: 'Filter lines', 'aria-label': 'Filter lines' } });
  private readonly searchField = el('vscode-textfield', { attrs: { id: 'search', placeholder: 'Search', 'aria-label': 'Search' } });
  private readonly matchCount = el('span', { class: 'dim', attrs: { id: 'match-count' } });
  private readonly timeField = el('vscode-textfield', { attrs: { id: 'jump', placeholder: 'Jump to hh:mm:ss', 'aria-label': 'Jump to a time' } });
  private readonly followBox = el('vscode-checkbox', { attrs: { id: 'follow', checked: '' } }, 'Follow');
  private readonly count = el('span', { class: 'dim', attrs: { id: 'line-count' } });
  private readonly viewport = el('div', { class: 'viewport', attrs: { id: 'viewport', tabindex: '0', role: 'log' } });
  private readonly spacer = el('div', { class: 'spacer' });
  private readonly list = el('div', { class: 'rows', attrs: { id: 'rows' } });
  private follow = true;
  private userScroll = false;
  private frame = 0;
  /** The row to mark as the current search match or the time jumped to. */
  private marked: number | undefined;

  constructor(
    root: HTMLElement,
    private readonly copy: (text: string) => void,
  ) {
    const streamBoxes = el('div', { class: 'streams', attrs: { role: 'group', 'aria-label': 'Streams' } });
    for (const s of STREAMS) {
      const box = el('vscode-checkbox', { attrs: { checked: '', 'data-stream': s } }, s);
      box.addEventListener('change', () => this.applyFilter());
      this.streams.set(s, box);
      streamBoxes.append(box);
    }
    this.filterField.addEventListener('input', () => this.applyFilter());
    this.searchField.addEventListener('input', () => {
      this.model.setSearch(valueOf(this.searchField));
      this.goTo(this.model.step(true));
    });
    this.searchField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.goTo(this.model.step(!e.shiftKey));
    });
    const prev = el('vscode-button', { attrs: { icon: 'arrow-up', secondary: '', id: 'search-prev', title: 'Previous match (Shift+Enter)' } });
    const next = el('vscode-button', { attrs: { icon: 'arrow-down', secondary: '', id: 'search-next', title: 'Next match (Enter)' } });
    prev.addEventListener('click', () => this.goTo(this.model.step(false)));
    next.addEventListener('click', () => this.goTo(this.model.step(true)));
    this.timeField.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.jump();
    });
    this.followBox.addEventListener('change', () => {
      this.follow = (this.followBox as HTMLElement & { checked: boolean }).checked;
      this.schedule();
    });
    const copyButton = el('vscode-button', { attrs: { icon: 'copy', secondary: '', id: 'copy' } }, 'Copy shown lines');
    copyButton.addEventListener('click', () => this.copy(this.model.text(clock)));
    // Scrolling up to read stops following; scrolling back to the bottom resumes it. Only the
    // user's scrolls count, not the ones following makes.
    for (const type of ['wheel', 'keydown', 'mousedown'] as const) this.viewport.addEventListener(type, () => (this.userScroll = true));
    this.viewport.addEventListener('scroll', () => {
      if (this.userScroll) this.setFollow(this.atBottom());
      this.userScroll = false;
      this.schedule();
    });
    this.viewport.append(this.spacer, this.list);
    root.replaceChildren(
      el('header', {}, el('div', { class: 'title' }, this.title, this.count, this.offline)),
      el(
        'div',
        { class: 'toolbar' },
        streamBoxes,
        this.filterField,
        el('div', { class: 'search' }, this.searchField, prev, next, this.matchCount),
        this.timeField,
        this.followBox,
        copyButton,
      ),
      this.viewport,
    );
  }

  receive(m: ToLogViewer): void {
    if (m.type === 'reset') {
      document.title = `Logs: ${m.server}`;
      this.title.textContent = `Logs: ${m.server}`;
      this.offline.hidden = m.connected;
      this.model.reset(m.lines);
    } else if (m.type === 'append') {
      this.model.append(m.lines);
    } else {
      this.offline.hidden = m.connected;
      return;
    }
    this.schedule();
  }

  private applyFilter(): void {
    const streams = new Set(STREAMS.filter((s) => (this.streams.get(s) as (HTMLElement & { checked: boolean }) | undefined)?.checked));
    this.model.setFilter({ streams, text: valueOf(this.filterField) });
    this.marked = undefined;
    this.schedule();
  }

  private jump(): void {
    const first = this.model.line(0);
    const t = parseClock(valueOf(this.timeField), first?.t ?? Date.now());
    this.timeField.toggleAttribute('invalid', t === undefined);
    if (t !== undefined) this.goTo(this.model.rowAt(t));
  }

  /** Scrolls a row into the middle of the view and marks it; going somewhere stops following. */
  private goTo(row: number | undefined): void {
    this.marked = row;
    if (row !== undefined) {
      this.setFollow(false);
      this.viewport.scrollTop = Math.max(0, row * ROW_HEIGHT - this.viewport.clientHeight / 2);
    }
    this.schedule();
  }

  private setFollow(on: boolean): void {
    if (on === this.follow) return;
    this.follow = on;
    (this.followBox as HTMLElement & { checked: boolean }).checked = on;
  }

  private atBottom(): boolean {
    return this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - ROW_HEIGHT;
  }

  /** One render per frame, however many appends and scroll events arrive in it. */
  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render(): void {
    const rows = this.model.rows;
    this.spacer.style.height = `${rows * ROW_HEIGHT}px`;
    if (this.follow) this.viewport.scrollTop = this.viewport.scrollHeight;
    this.count.textContent = rows === this.model.size ? `${rows.toLocaleString()} lines` : `${rows.toLocaleString()} of ${this.model.size.toLocaleString()} lines`;
    const { count, current } = this.model.matches;
    this.matchCount.textContent = this.model.search ? (count ? `${current + 1} of ${count}` : 'no matches') : '';
    const { start, end } = visibleRows(this.viewport.scrollTop, this.viewport.clientHeight, ROW_HEIGHT, rows);
    this.list.style.transform = `translateY(${start * ROW_HEIGHT}px)`;
    const query = this.model.search;
    const out: HTMLElement[] = [];
    for (let row = start; row < end; row++) {
      const l = this.model.line(row);
      if (!l) continue;
      const text = el('span', { class: 'text' });
      let at = 0;
      for (const [from, to] of highlights(l.text, query)) {
        text.append(l.text.slice(at, from), el('mark', {}, l.text.slice(from, to)));
        at = to;
      }
      text.append(l.text.slice(at));
      out.push(el('div', { class: `row stream-${l.stream}${row === this.marked ? ' marked' : ''}`, attrs: { 'data-row': String(row) } }, el('span', { class: 'time' }, clock(l.t)), el('span', { class: 'stream' }, l.stream), text));
    }
    this.list.replaceChildren(...out);
  }
}
