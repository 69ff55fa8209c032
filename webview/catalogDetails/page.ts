// The Catalog Entry Details page: built once, filled from each state the extension sends.
import type { CatalogEntryView, ToCatalogDetails } from '../../extension/webview/catalogDetailsMessages.js';
import { codicon, el, facts, table } from '../dom.js';

type SectionId = 'overview' | 'needs' | 'tools' | 'versions';
const SECTIONS: { id: SectionId; heading: string }[] = [
  { id: 'overview', heading: 'Overview' },
  { id: 'needs', heading: 'What it needs' },
  { id: 'tools', heading: 'Tools' },
  { id: 'versions', heading: 'Versions' },
];

export class CatalogDetailsPage {
  private readonly name = el('h1', { attrs: { id: 'name' } });
  private readonly description = el('p', { class: 'description', attrs: { id: 'description' } });
  private readonly runnable = el('p', { class: 'runnable', attrs: { id: 'runnable', role: 'status' } });
  private readonly message = el('p', { class: 'message', attrs: { id: 'message', role: 'status' } });
  private readonly offline = el('p', { class: 'message', attrs: { id: 'offline', role: 'status' } }, 'Not connected to the Berth daemon; reconnecting…');
  private readonly install = el('vscode-button', { attrs: { icon: 'cloud-download', id: 'action-install' } }, 'Install (Tested)…');
  private readonly sections = new Map<SectionId, HTMLElement>();

  constructor(root: HTMLElement, install: () => void) {
    this.install.addEventListener('click', () => {
      if (!this.install.hasAttribute('disabled')) install();
    });
    const grid = el('div', { class: 'sections' });
    for (const s of SECTIONS) {
      const section = el('vscode-collapsible', { attrs: { heading: s.heading, id: `section-${s.id}`, open: '' } });
      this.sections.set(s.id, section);
      grid.append(section);
    }
    root.replaceChildren(el('header', {}, el('div', { class: 'title' }, this.name), this.description, this.runnable, this.message, this.offline, el('div', { class: 'actions' }, this.install)), grid);
  }

  render(m: ToCatalogDetails): void {
    this.offline.hidden = m.connected;
    if (m.type === 'error') {
      this.name.textContent = m.id;
      show(this.message, m.message);
      this.install.toggleAttribute('disabled', true);
      return;
    }
    const e = m.entry;
    document.title = `Catalog: ${e.id}`;
    this.name.textContent = e.id;
    show(this.description, e.description);
    show(this.message, undefined);
    this.runnable.replaceChildren(
      ...(e.unrunnable
        ? [codicon('error', 'testing.iconFailed'), el('span', {}, `Berth cannot run it: ${e.unrunnable}`)]
        : [codicon('pass', 'testing.iconPassed'), el('span', {}, 'Berth can run it: Install builds it, tests it in a throwaway container, then adds it.')]),
    );
    this.install.toggleAttribute('disabled', !m.connected || e.unrunnable !== undefined);
    this.fill('overview', facts(e.overview));
    this.fill('needs', needs(e));
    this.fill('tools', e.tools === undefined ? note('Not listed by the catalog; they are known once it has run.') : e.tools.length ? list(e.tools) : note('None.'), e.tools ? String(e.tools.length) : '');
    this.fill('versions', e.versions.length ? list(e.versions) : note('The catalog lists no other versions.'), e.versions.length ? String(e.versions.length) : '');
  }

  private fill(id: SectionId, body: HTMLElement, description?: string): void {
    const section = this.sections.get(id);
    if (!section) return;
    section.replaceChildren(body);
    if (description !== undefined) section.setAttribute('description', description);
  }
}

function needs(e: CatalogEntryView): HTMLElement {
  const rows = [
    { label: 'Secrets', value: e.secrets.length ? e.secrets.join(', ') : 'none' },
    { label: 'Mounts', value: e.mounts.length ? e.mounts.join('; ') : 'none' },
    { label: 'Network', value: e.network },
  ];
  const inputs = e.inputs.length
    ? table(['Input', 'Kind', 'Required', 'Description'], ['22%', '22%', '12%', '44%'], e.inputs.map((i) => [code(i.name), i.kind, i.required ? 'yes' : 'no', i.description]))
    : note('No inputs to give at install.');
  return el('div', {}, facts(rows), inputs);
}

function show(p: HTMLElement, text: string | undefined): void {
  p.textContent = text ?? '';
  p.hidden = !text;
}

const note = (text: string) => el('p', { class: 'dim' }, text);
const code = (text: string) => el('code', {}, text);
const list = (items: string[]) => el('ul', { class: 'plain' }, ...items.map((i) => el('li', {}, code(i))));
