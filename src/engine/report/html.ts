import { formatValue } from './format.js';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

/** An HTML table; numbers are right-aligned and formatted as everywhere in the report. */
export function htmlTable(columns: string[], rows: (string | number | null)[][], className = ''): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = row.map((v) =>
        typeof v === 'number'
          ? `<td class="num">${formatValue(v)}</td>`
          : `<td>${escapeHtml(formatValue(v))}</td>`,
      );
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table${className ? ` class="${className}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A lower-case slug for ids and data attributes: "ROC curve (promoter)" → "roc-curve-promoter". */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
