import type { ServerForms } from '../../webview/serverFormPanel.js';

/** Opens the server form for a new server: fields from the spec schema, checked as you type. */
export async function newServer(forms: ServerForms): Promise<void> {
  await forms.show();
}
