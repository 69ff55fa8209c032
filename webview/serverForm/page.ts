// The server form page: a name, then one control per field (grouped as the spec nests them), each
// with its problem under it. Every edit is sent to the extension, which answers with the problems.
import type { FormField, FromServerForm, ToServerForm } from '../../extension/webview/serverFormMessages.js';
import { el } from '../dom.js';

type Control = HTMLElement & { value: string };
/** Edits are sent once typing pauses this long. */
const DEBOUNCE_MS = 150;

export class FormPage {
  private readonly title = el('h1', {});
  private readonly note = el('p', { class: 'dim', attrs: { id: 'source' } });
  private readonly readOnly = el('p', { class: 'message', attrs: { id: 'read-only', role: 'status' } });
  private readonly formError = el('p', { class: 'error', attrs: { id: 'form-error', role: 'alert' } });
  private readonly body = el('div', { class: 'fields' });
  private readonly save = el('vscode-button', { attrs: { id: 'save', icon: 'save' } }, 'Save');
  private readonly cancel = el('vscode-button', { attrs: { id: 'cancel', secondary: '' } }, 'Cancel');
  private readonly controls = new Map<string, Control>();
  private readonly errors = new Map<string, HTMLElement>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private valid = false;
  private saving = false;
  private locked = false;

  constructor(
    root: HTMLElement,
    private readonly send: (m: FromServerForm) => void,
  ) {
    this.save.addEventListener('click', () => {
      if (this.save.hasAttribute('disabled')) return;
      clearTimeout(this.timer);
      this.send({ type: 'save', ...this.current() });
    });
    this.cancel.addEventListener('click', () => this.send({ type: 'cancel' }));
    root.replaceChildren(el('header', {}, this.title, this.note, this.readOnly), this.body, this.formError, el('div', { class: 'actions' }, this.save, this.cancel));
  }

  receive(m: ToServerForm): void {
    if (m.type === 'init') this.init(m);
    else if (m.type === 'issues') this.showIssues(m.issues);
    else {
      this.saving = m.saving;
      if (m.error !== undefined) this.setError('', m.error);
      this.updateSave();
    }
  }

  private init(m: Extract<ToServerForm, { type: 'init' }>): void {
    document.title = `Berth: ${m.title}`;
    this.title.textContent = m.title;
    this.note.textContent = m.source ? `Written to ${m.source}, keeping its comments.` : 'Written to your Berth spec file, keeping its comments.';
    this.readOnly.textContent = m.readOnlyReason ?? '';
    this.readOnly.hidden = m.readOnlyReason === undefined;
    this.locked = m.readOnlyReason !== undefined;
    const name = this.control('name', { key: 'name', label: 'Name', kind: 'text', placeholder: 'a-z, 0-9, _ . -' }, m.name);
    if (m.editing) name.setAttribute('disabled', '');
    const out: HTMLElement[] = [this.row({ key: 'name', label: 'Name', kind: 'text' }, name)];
    const groups = new Map<string, HTMLElement>();
    for (const f of m.fields) {
      const row = this.row(f, this.control(f.key, f, m.values[f.key] ?? ''));
      if (!f.group) {
        out.push(row);
        continue;
      }
      let group = groups.get(f.group);
      if (!group) {
        group = el('fieldset', { attrs: { 'data-group': f.group } }, el('legend', {}, f.group));
        groups.set(f.group, group);
        out.push(group);
      }
      group.append(row);
    }
    this.body.replaceChildren(...out);
    this.changed();
  }

  private control(key: string, f: FormField, value: string): Control {
    let c: Control;
    if (f.kind === 'choice') {
      c = el('vscode-single-select', { attrs: { 'data-key': key } }, el('vscode-option', { attrs: { value: '' } }, '(not set)'), ...(f.options ?? []).map((o) => el('vscode-option', { attrs: { value: o } }, o))) as Control;
    } else if (f.kind === 'lines' || f.kind === 'pairs' || f.kind === 'yaml') {
      c = el('vscode-textarea', { attrs: { 'data-key': key, rows: f.kind === 'yaml' ? '4' : '3', resize: 'vertical', ...(f.placeholder ? { placeholder: f.placeholder } : {}) } }) as Control;
    } else {
      c = el('vscode-textfield', { attrs: { 'data-key': key, ...(f.kind === 'number' ? { type: 'number' } : {}), ...(f.placeholder ? { placeholder: f.placeholder } : {}) } }) as Control;
    }
    c.value = value;
    // The toolkit sets its value when it renders; set again once it has, for selects.
    void Promise.resolve().then(() => (c.value = value));
    c.addEventListener('input', () => this.changed());
    c.addEventListener('change', () => this.changed());
    if (this.locked) c.setAttribute('disabled', '');
    this.controls.set(key, c);
    return c;
  }

  private row(f: FormField, control: HTMLElement): HTMLElement {
    const error = el('div', { class: 'error', attrs: { 'data-error-for': f.key } });
    this.errors.set(f.key, error);
    const id = `field-${f.key.replace(/\W/g, '-')}`;
    control.id = id;
    return el('div', { class: `field kind-${f.kind}` }, el('vscode-label', { attrs: { for: id } }, f.label), control, error);
  }

  private current(): { name: string; values: Record<string, string> } {
    const values: Record<string, string> = {};
    for (const [key, c] of this.controls) if (key !== 'name') values[key] = c.value ?? '';
    return { name: this.controls.get('name')?.value ?? '', values };
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send({ type: 'change', ...this.current() }), DEBOUNCE_MS);
  }

  private showIssues(issues: Record<string, string>): void {
    for (const key of this.errors.keys()) this.setError(key, issues[key]);
    this.setError('', issues['']);
    this.valid = Object.keys(issues).length === 0;
    this.updateSave();
  }

  private setError(key: string, message: string | undefined): void {
    const target = key === '' ? this.formError : this.errors.get(key);
    if (!target) return;
    target.textContent = message ?? '';
    target.hidden = !message;
    this.controls.get(key)?.toggleAttribute('invalid', !!message);
  }

  private updateSave(): void {
    this.save.toggleAttribute('disabled', !this.valid || this.saving || this.locked);
  }
}
