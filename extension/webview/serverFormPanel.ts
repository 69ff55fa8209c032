// The server form: add a server, or edit one of the user spec file, with fields generated from
// the spec schema and checked as the user types (specForm.ts). Saving goes through the daemon
// (`servers/put`), which writes the entry keeping the file's comments, as `berth add` does.
import * as vscode from 'vscode';
import { ServersGetSpec, ServersPut } from '../../daemon/protocol/specEdit.js';
import { errorMessage, type Ctx } from '../ctx.js';
import { BerthPanel } from './panel.js';
import { FromServerForm, type FormField, type ToServerForm } from './serverFormMessages.js';
import { formFields, specToForm, validateForm, type FormValues } from './specForm.js';
import { inert } from '../untrustedText.js';

export class ServerForms implements vscode.Disposable {
  /** Open forms by server name; `''` is the form of a new server. */
  private readonly panels = new Map<string, ServerFormPanel>();

  constructor(private readonly ctx: Ctx) {}

  /** Opens (or reveals) the form of a new server, or of an existing one to edit. */
  async show(name?: string): Promise<void> {
    const key = name ?? '';
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      return;
    }
    const start = name === undefined ? { spec: {}, source: '', editable: true } : await this.ctx.request(ServersGetSpec, { name });
    this.panels.set(key, new ServerFormPanel(this.ctx, name, start, () => this.panels.delete(key)));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }
}

class ServerFormPanel extends BerthPanel<FromServerForm, ToServerForm> {
  private readonly fields: FormField[] = formFields();

  constructor(
    ctx: Ctx,
    private readonly editing: string | undefined,
    private readonly start: { spec: Record<string, unknown>; source: string; editable: boolean },
    onClosed: () => void,
  ) {
    const title = editing === undefined ? 'Berth: New Server' : `Berth: Edit ${editing}`;
    super(ctx, { viewType: 'berth.serverForm', title, entry: 'serverForm', retainContextWhenHidden: true, schema: FromServerForm, what: 'server form' }, onClosed);
  }

  protected async receive(m: FromServerForm): Promise<void> {
    if (m.type === 'ready') {
      this.post({
        type: 'init',
        title: this.editing === undefined ? 'New server' : `Edit ${this.editing}`,
        editing: this.editing !== undefined,
        name: this.editing ?? '',
        fields: this.fields,
        values: specToForm(this.fields, this.start.spec),
        source: this.start.source,
        readOnlyReason: this.start.editable ? undefined : `${this.editing ?? 'This server'} is defined in ${this.start.source}; edit it there.`,
      });
    } else if (m.type === 'change') {
      this.post({ type: 'issues', issues: this.validate(m.name, m.values).issues });
    } else if (m.type === 'save') {
      await this.save(m.name, m.values);
    } else {
      this.panel.dispose();
    }
  }

  private validate(name: string, values: FormValues) {
    return validateForm(this.fields, this.editing ?? name, values, { taken: this.ctx.serverList.map((s) => s.name), editing: this.editing !== undefined });
  }

  private async save(name: string, values: FormValues): Promise<void> {
    const { spec, issues } = this.validate(name, values);
    this.post({ type: 'issues', issues });
    if (!spec || !this.start.editable) return;
    const target = this.editing ?? name;
    this.post({ type: 'saving', saving: true, error: undefined });
    try {
      const status = await this.ctx.request(ServersPut, { name: target, spec, replace: this.editing !== undefined });
      this.panel.dispose();
      void vscode.window.showInformationMessage(inert(`Berth: saved "${target}" to ${status.source}.`));
    } catch (e) {
      this.post({ type: 'saving', saving: false, error: errorMessage(e) });
    }
  }
}
