// DOM building shared by the pages. Text only ever goes in through textContent:
// stream ids, transcripts and error messages come from clients and engines.

export function element(tag, { text, className, title } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  if (title) node.title = title;
  node.append(...children);
  return node;
}

// A status word in a pill; the class gives its colour, the word its meaning.
export const badge = (text, statusClass) => element("span", { text, className: `badge ${statusClass ?? "status-idle"}` });

// Replaces a table's rows, or shows one full-width row saying why there are none.
export function fillTable(table, rows, emptyText) {
  const body = table.tBodies[0];
  if (rows.length > 0) {
    body.replaceChildren(...rows);
    return;
  }
  const empty = element("td", { text: emptyText, className: "empty" });
  empty.colSpan = table.tHead.rows[0].cells.length;
  body.replaceChildren(element("tr", {}, [empty]));
}
