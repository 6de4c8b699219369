// The checks of tests/browser/test_layout_sweep.py, run in the page: (a) no sideways
// scrolling, (b) controls as wide as their labels and their values, buttons on one line,
// nothing drawn over a control, (c) no internals in the text. Returns the problems found.
(internals) => {
  const problems = [];
  const root = document.documentElement;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll" || x === "hidden" || x === "clip") return true;
    }
    return false;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.name ? "[name=" + el.name + "]" : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).slice(0, 3).join(".") : "");
  // (a) the page itself does not scroll sideways; name what sticks out
  if (root.scrollWidth > root.clientWidth + 1) {
    // an absolutely positioned element (a .visually-hidden label) escapes its scroller
    const escapes = (el) => ["absolute", "fixed"].includes(getComputedStyle(el).position);
    const out = [...document.body.querySelectorAll("*")].filter((el) =>
      el.getBoundingClientRect().right > root.clientWidth + 1 && (!inScroller(el) || escapes(el)));
    const outer = out.filter((el) => !out.includes(el.parentElement)).slice(0, 3);
    problems.push(`overflow: page ${root.scrollWidth}px wide in ${root.clientWidth}px (` +
      outer.map((el) => describe(el) + " to " + Math.round(el.getBoundingClientRect().right) + "px").join("; ") + ")");
  }
  // (b) controls as wide as what they ask and what they hold
  const textWidth = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getBoundingClientRect().width;
  };
  const columnHeader = (el) => {  // a formset's cell is labelled by its column's header
    const cell = el.closest("td");
    const table = cell && cell.closest("table");
    const head = table && table.tHead && table.tHead.rows[0];
    if (!head) return null;
    let column = 0;
    for (let c = cell.previousElementSibling; c; c = c.previousElementSibling) column += c.colSpan || 1;
    for (const th of head.cells) {
      if (column < (th.colSpan || 1)) return th;
      column -= th.colSpan || 1;
    }
    return null;
  };
  const canvas = document.createElement("canvas").getContext("2d");
  const optionWidth = (select) => {
    const option = select.options[select.selectedIndex];
    if (!option) return 0;
    const s = getComputedStyle(select);
    canvas.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    return canvas.measureText(option.text.trim()).width + parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
  };
  const notText = new Set(["hidden", "checkbox", "radio", "submit", "button", "reset", "image", "color", "range"]);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (notText.has((el.type || "").toLowerCase()) || !shown(el)) continue;
    const width = el.getBoundingClientRect().width;
    const em = parseFloat(getComputedStyle(el).fontSize) || 16;
    const label = (el.labels && el.labels.length ? el.labels[0] : null) || columnHeader(el);
    if (width < 3 * em) {
      problems.push(`narrow control: ${describe(el)} ${Math.round(width)}px, under three glyphs`);
      continue;
    }
    if (el.tagName === "SELECT" && !el.multiple && width + 1 < optionWidth(el)) {
      problems.push(`clipped choice: ${describe(el)} ${Math.round(width)}px for "${el.options[el.selectedIndex].text.trim().slice(0, 24)}" (${Math.round(optionWidth(el))}px)`);
    }
    if (label && label.textContent.trim()) {
      const need = label.contains(el) ? 0 : textWidth(label);
      if (width + 1 < need) {
        problems.push(`narrow control: ${describe(el)} ${Math.round(width)}px under its label "${label.textContent.trim().slice(0, 24)}" (${Math.round(need)}px)`);
      }
    } else if (width < 8 * em) {
      problems.push(`narrow control: ${describe(el)} ${Math.round(width)}px, no label and under 8 em`);
    }
  }
  // lines of text in an element: a rectangle below the bottom of the line before starts a
  // new one (a badge beside the text sits a little higher, on the same line)
  const lineCount = (el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const rects = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      rects.push(...[...range.getClientRects()].filter((r) => r.width > 0));
    }
    rects.sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of rects) {
      if (r.top >= bottom - 1) lines += 1;
      bottom = r.top >= bottom - 1 ? r.bottom : Math.max(bottom, r.bottom);
    }
    return lines;
  };
  // a table cell squeezed to a glyph or two a line ("判/定/依/据"): it wraps, and its
  // content box holds under three glyphs of its font (a badge, a link and a duration
  // stacked on purpose, each on a line of its own, are not squeezed)
  for (const cell of document.querySelectorAll("th, td")) {
    const text = cell.innerText.trim();
    if ([...text].length < 3 || !shown(cell) || cell.querySelector("input, select, textarea")) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const lines = lineCount(cell);
    if (lines >= 2 && inner < 3 * parseFloat(style.fontSize)) {
      problems.push(`squeezed text: ${cell.tagName.toLowerCase()} "${text.replace(/\s+/g, "").slice(0, 16)}" on ${lines} lines`);
    }
  }
  const boxes = [];
  for (const el of document.querySelectorAll("input, select, textarea, button, .btn")) {
    if (el.tagName === "INPUT" && ["hidden", "checkbox", "radio"].includes(el.type)) continue;
    if (!shown(el) || el.closest(".leaflet-container")) continue;
    boxes.push(el);
    if (el.tagName === "BUTTON" || el.classList.contains("btn")) {
      const lines = lineCount(el);
      if (lines > 1) problems.push(`wrapped button: "${el.textContent.trim().slice(0, 20)}" on ${lines} lines`);
    }
  }
  const name = (el) => describe(el) + ` "${(el.textContent || el.value || "").trim().slice(0, 12)}"`;
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i].getBoundingClientRect();
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].contains(boxes[j]) || boxes[j].contains(boxes[i])) continue;
      const b = boxes[j].getBoundingClientRect();
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) problems.push(`overlap: ${name(boxes[i])} and ${name(boxes[j])}`);
    }
  }
  // (c) no internals in what a person reads
  const text = document.body.innerText;
  const seen = new Set();
  for (const [kind, source] of internals) {
    for (const m of text.matchAll(new RegExp(source, "g"))) {
      if (seen.has(kind + m[0])) continue;
      seen.add(kind + m[0]);
      const around = text.slice(Math.max(0, m.index - 16), m.index + m[0].length + 16).replace(/\s+/g, " ");
      problems.push(`${kind}: "${m[0]}" in "…${around}…"`);
    }
  }
  return problems;
}
