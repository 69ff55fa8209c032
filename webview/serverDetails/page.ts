// The Server Details page: built once, then updated in place from each state the extension
// sends, so collapsed sections, scroll positions and column widths survive the stats ticks.
import type { PanelAction, ServerView, ToWebview } from '../../extension/webview/messages.js';
import { codicon, el, facts, table } from '../dom.js';

const BUTTONS: { action: PanelAction; label: string; icon: string; secondary: boolean }[] = [
  { action: 'start', label: 'Start', icon: 'debug-start', secondary: false },
  { action: 'stop', label: 'Stop', icon: 'debug-stop', secondary: false },
  { action: 'restart', label: 'Restart', icon: 'debug-restart', secondary: false },
  { action: 'showLogs', label: 'Show Logs', icon: 'output', secondary: true },
  { action: 'openSpec', label: 'Open Spec', icon: 'go-to-file', secondary: true },
];

type SectionId = 'container' | 'usage' | 'health' | 'tools' | 'prompts' | 'resources';
const SECTIONS: { id: SectionId; heading: string; open: boolean }[] = [
  { id: 'container', heading: 'Container', open: true },
  { id: 'usage', heading: 'Usage', open: true },
  { id: 'health', heading: 'Health checks', open: true },
  { id: 'tools', heading: 'Tools', open: true },
  { id: 'prompts', heading: 'Prompts', open: false },
  { id: 'resources', heading: 'Resources', open: false },
];

export class DetailsPage {
  private readonly name = el('h1', { attrs: { id: 'name' } });
  private readonly phase = el('span', { class: 'phase', attrs: { id: 'phase' } });
  private readonly description = el('p', { class: 'description', attrs: { id: 'description' } });
  private readonly message = el('p', { class: 'message', attrs: { id: 'message', role: 'status' } });
  private readonly offline = el('p', { class: 'message', attrs: { id: 'offline', role: 'status' } }, 'Not connected to the Berth daemon; reconnecting…');
  private readonly buttons = new Map<PanelAction, HTMLElement>();
  private readonly sections = new Map<SectionId, HTMLElement>();
  /** The offers last rendered: tables are rebuilt only when they change, not on every stats tick. */
  private offersKey = '';

  constructor(root: HTMLElement, run: (action: PanelAction) => void) {
    const actions = el('div', { class: 'actions' });
    for (const b of BUTTONS) {
      const button = el('vscode-button', { attrs: { icon: b.icon, id: `action-${b.action}`, ...(b.secondary ? { secondary: '' } : {}) } }, b.label);
      button.addEventListener('click', () => {
        if (!button.hasAttribute('disabled')) run(b.action);
      });
      this.buttons.set(b.action, button);
      actions.append(button);
    }
    const grid = el('div', { class: 'sections' });
    for (const s of SECTIONS) {
      const section = el('vscode-collapsible', { attrs: { heading: s.heading, id: `section-${s.id}`, ...(s.open ? { open: '' } : {}) } });
      this.sections.set(s.id, section);
      grid.append(section);
    }
    root.replaceChildren(el('header', {}, el('div', { class: 'title' }, this.name, this.phase), this.description, this.message, this.offline, actions), grid);
  }

  render(m: ToWebview): void {
    const s = m.server;
    document.title = `Berth: ${s.name}`;
    this.name.textContent = s.name;
    this.phase.replaceChildren(codicon(s.icon.id, s.icon.color), el('span', {}, s.phase));
    this.show(this.description, s.description);
    this.show(this.message, s.message);
    this.offline.hidden = m.connected;
    this.enable('start', m.connected && !s.running);
    this.enable('stop', m.connected && s.running);
    this.enable('restart', m.connected && s.running);
    this.enable('showLogs', m.connected);
    this.enable('openSpec', true);

    this.fill('container', facts(s.container));
    this.fill('usage', s.usage ? facts(s.usage) : note(s.running ? 'Waiting for the first sample…' : 'Not running.'));
    this.fill(
      'health',
      s.health.length === 0
        ? note('No health checks yet.')
        : el(
            'ol',
            { class: 'checks' },
            ...s.health.map((c) =>
              el('li', {}, codicon(c.ok ? 'pass' : 'error', c.ok ? 'testing.iconPassed' : 'testing.iconFailed'), el('span', {}, c.at), el('span', { class: 'dim' }, c.took), el('span', { class: 'error' }, c.error)),
            ),
          ),
    );
    this.renderOffers(s.offers);
  }

  private renderOffers(offers: ServerView['offers']): void {
    const key = JSON.stringify(offers ?? null);
    if (key === this.offersKey) return;
    this.offersKey = key;
    const unknown = note('Not known yet: the server has not been initialized since Berth started it.');
    if (!offers) {
      for (const id of ['tools', 'prompts', 'resources'] as const) this.fill(id, unknown.cloneNode(true) as HTMLElement, '');
      return;
    }
    const readOnly = (yes: boolean) => (yes ? el('span', { class: 'read-only' }, codicon('lock'), 'read-only') : el('span', { class: 'dim' }, 'not declared'));
    this.fill(
      'tools',
      offers.tools.length ? table(['Name', 'Description', 'Read-only hint'], ['26%', '57%', '17%'], offers.tools.map((t) => [code(t.name), t.description, readOnly(t.readOnly)])) : note('None.'),
      String(offers.tools.length),
    );
    this.fill(
      'prompts',
      offers.prompts.length ? table(['Name', 'Description'], ['30%', '70%'], offers.prompts.map((p) => [code(p.name), p.description])) : note('None.'),
      String(offers.prompts.length),
    );
    this.fill(
      'resources',
      offers.resources.length ? table(['Name', 'URI', 'Description'], ['25%', '35%', '40%'], offers.resources.map((r) => [r.name, code(r.uri), r.description])) : note('None.'),
      String(offers.resources.length),
    );
  }

  private fill(id: SectionId, body: HTMLElement, description?: string): void {
    const section = this.sections.get(id);
    if (!section) return;
    section.replaceChildren(body);
    if (description !== undefined) section.setAttribute('description', description);
  }

  private show(p: HTMLElement, text: string | undefined): void {
    p.textContent = text ?? '';
    p.hidden = !text;
  }

  private enable(action: PanelAction, on: boolean): void {
    this.buttons.get(action)?.toggleAttribute('disabled', !on);
  }
}

const note = (text: string) => el('p', { class: 'dim' }, text);
const code = (text: string) => el('code', {}, text);
