// The dashboard page: a card per server, built once and updated in place on each state the
// extension sends, so the graphs keep their canvases and the page keeps its scroll position.
import { formatBytes } from '../../daemon/client/format.js';
import type { DashboardAction, DashboardAlert, DashboardServer, DashboardUpdate } from '../../extension/webview/dashboardMessages.js';
import { codicon, el } from '../dom.js';
import { Chart } from './chart.js';

type Run = (action: DashboardAction, server: string) => void;

const BUTTONS: { action: DashboardAction; label: string; icon: string }[] = [
  { action: 'start', label: 'Start', icon: 'debug-start' },
  { action: 'stop', label: 'Stop', icon: 'debug-stop' },
  { action: 'restart', label: 'Restart', icon: 'debug-restart' },
  { action: 'openLogs', label: 'Logs', icon: 'output' },
  { action: 'showDetails', label: 'Details', icon: 'info' },
];

export class DashboardPage {
  private readonly offline = el('p', { class: 'message', attrs: { id: 'offline', role: 'status' } }, 'Not connected to the Berth daemon; reconnecting…');
  private readonly alerts = el('section', { class: 'alerts', attrs: { id: 'alerts', 'aria-label': 'Open alerts' } });
  private readonly grid = el('div', { class: 'cards', attrs: { id: 'cards' } });
  private readonly empty = el('p', { class: 'dim', attrs: { id: 'empty' } }, 'No servers yet. Add one with "Berth: Add Server from Catalog…" or `berth add`.');
  private readonly cards = new Map<string, Card>();

  constructor(
    root: HTMLElement,
    private readonly run: Run,
  ) {
    root.replaceChildren(el('header', {}, el('h1', {}, 'Berth Dashboard'), this.offline), this.alerts, this.empty, this.grid);
  }

  render(m: DashboardUpdate): void {
    this.offline.hidden = m.connected;
    this.renderAlerts(m.alerts);
    this.empty.hidden = m.servers.length > 0;
    const names = new Set(m.servers.map((s) => s.name));
    for (const [name, card] of this.cards) {
      if (names.has(name)) continue;
      card.dispose();
      this.cards.delete(name);
    }
    for (const s of m.servers) {
      let card = this.cards.get(s.name);
      if (!card) {
        card = new Card(s.name, this.run);
        this.cards.set(s.name, card);
      }
      // Appending an element already in place moves it: the grid follows the extension's order.
      this.grid.append(card.element);
      card.render(s, m.connected);
    }
  }

  focus(server: string): void {
    const card = this.cards.get(server);
    if (!card) return;
    card.element.scrollIntoView({ block: 'center' });
    card.element.classList.add('focused');
    setTimeout(() => card.element.classList.remove('focused'), 3000);
  }

  private renderAlerts(alerts: DashboardAlert[]): void {
    this.alerts.hidden = alerts.length === 0;
    this.alerts.replaceChildren(
      el('h2', {}, codicon('bell-dot', 'editorWarning.foreground'), ` Open alerts (${alerts.length})`),
      el('ul', {}, ...alerts.map((a) => el('li', {}, el('strong', {}, a.server), ` ${a.rule}: `, a.message, el('span', { class: 'dim' }, ` since ${a.since}`)))),
    );
  }
}

class Card {
  readonly element: HTMLElement;
  private readonly title = el('h2', {});
  private readonly phase = el('span', { class: 'phase' });
  private readonly host = el('span', { class: 'dim' });
  private readonly message = el('p', { class: 'message' });
  private readonly figures = el('dl', { class: 'figures' });
  private readonly alerts = el('ul', { class: 'card-alerts' });
  private readonly buttons = new Map<DashboardAction, HTMLElement>();
  private readonly cpu = new Chart('CPU', [{ label: 'CPU', color: 'charts-blue' }], percent);
  private readonly memory = new Chart(
    'Memory',
    [
      { label: 'used', color: 'charts-purple' },
      { label: 'limit', color: 'charts-orange', dash: true },
    ],
    formatBytes,
    BYTE_STEPS,
  );

  constructor(name: string, run: Run) {
    const actions = el('div', { class: 'actions' });
    for (const b of BUTTONS) {
      const button = el('vscode-button', { attrs: { icon: b.icon, secondary: '', 'data-action': b.action } }, b.label);
      button.addEventListener('click', () => {
        if (!button.hasAttribute('disabled')) run(b.action, name);
      });
      this.buttons.set(b.action, button);
      actions.append(button);
    }
    this.cpu.element.classList.add('chart-cpu');
    this.memory.element.classList.add('chart-memory');
    this.element = el(
      'article',
      { class: 'card', attrs: { 'data-server': name } },
      el('div', { class: 'card-title' }, this.title, this.phase, this.host),
      this.message,
      this.alerts,
      this.figures,
      el('div', { class: 'charts' }, this.cpu.element, this.memory.element),
      actions,
    );
  }

  render(s: DashboardServer, connected: boolean): void {
    this.title.textContent = s.name;
    this.phase.replaceChildren(codicon(s.icon.id, s.icon.color), el('span', {}, s.phase));
    this.host.textContent = s.host;
    this.message.textContent = s.message ?? '';
    this.message.hidden = !s.message;
    this.element.classList.toggle('alerting', s.alerts.length > 0);
    this.alerts.hidden = s.alerts.length === 0;
    this.alerts.replaceChildren(...s.alerts.map((a) => el('li', {}, codicon('bell-dot', 'editorWarning.foreground'), ` ${a.rule}: ${a.message}`)));
    const health = el('dd', {}, s.healthOk === undefined ? '' : codicon(s.healthOk ? 'pass' : 'error', s.healthOk ? 'testing.iconPassed' : 'testing.iconFailed'), ` ${s.health}`);
    this.figures.replaceChildren(
      ...fact('Health', health),
      ...fact('CPU', s.cpu),
      ...fact('Memory', s.memory),
      ...fact('Tool calls / min', s.callsPerMinute),
      ...fact('p95 latency', s.latencyP95),
    );
    this.enable('start', connected && !s.running);
    this.enable('stop', connected && s.running);
    this.enable('restart', connected && s.running);
    this.enable('openLogs', connected);
    this.enable('showDetails', true);
    const { t, cpuPercent, memoryBytes, memoryLimitBytes } = s.series;
    this.cpu.setData([t, cpuPercent]);
    this.memory.setData([t, memoryBytes, memoryLimitBytes]);
  }

  private enable(action: DashboardAction, on: boolean): void {
    this.buttons.get(action)?.toggleAttribute('disabled', !on);
  }

  dispose(): void {
    this.cpu.dispose();
    this.memory.dispose();
    this.element.remove();
  }
}

/** Idle servers use hundredths of a percent: the axis keeps two significant digits rather than showing 0.0% twice. */
function percent(v: number): string {
  return `${v === 0 ? '0' : v < 1 ? Number(v.toPrecision(2)).toString() : v < 10 ? v.toFixed(1) : v.toFixed(0)}%`;
}

/** Tick steps in binary sizes, so the memory axis reads 64 MiB, 128 MiB rather than 190.7 MiB. */
const BYTE_STEPS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].flatMap((n) => [n * 2 ** 10, n * 2 ** 20, n * 2 ** 30]).sort((a, b) => a - b);

function fact(label: string, value: HTMLElement | string): HTMLElement[] {
  return [el('dt', {}, label), typeof value === 'string' ? el('dd', {}, value) : value];
}
