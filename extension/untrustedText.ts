// Text that came from a server, a catalog, a spec file or a client (names, descriptions, errors,
// logs) on its way into VS Code's UI. No `vscode` import, so it is unit-tested without an editor.

/**
 * For a notification, a modal or a quick pick: VS Code renders `[label](command:…)` there as a
 * link that runs the command on click, and `$(name)` as an icon. A space after `]` and after `$`
 * leaves the text readable and makes neither syntax match.
 */
export function inert(text: string): string {
  return text.replace(/\]\s*\(/g, '] (').replace(/\$\s*\(/g, '$ (');
}

/** For markdown (hovers, rendered documents): every character markdown could read as syntax is escaped, links and autolinks included. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>$]/g, '\\$&');
}

/** A quick pick item whose label, description and detail are made inert; other fields kept. */
export function inertItem<T extends { label: string; description?: string; detail?: string }>(item: T): T {
  return {
    ...item,
    label: inert(item.label),
    ...(item.description !== undefined && { description: inert(item.description) }),
    ...(item.detail !== undefined && { detail: inert(item.detail) }),
  };
}
