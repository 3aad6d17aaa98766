// The screen checks of tests/core/test_screens_browser.py, run in the page by Playwright (page.evaluate,
// which the CSP does not govern). Argument: {known: [characters already found fine], hooks: [...]}.
// Returns {unstyled, overflow, hscroll, boxes, checked}.
(args) => {
  // A fragment (an htmx partial opened on its own) has no stylesheet and is no screen.
  if (!document.querySelector("link[rel=stylesheet]")) return { fragment: true };
  const hooks = new Set(args.hooks);
  const vendorPrefixes = ["leaflet-", "js-", "marker-cluster"];

  // 1. Every class name some stylesheet's selector mentions (including @media / @supports blocks).
  const defined = new Set();
  const collect = (rules) => {
    for (const rule of rules) {
      if (rule.selectorText) {
        for (const m of rule.selectorText.matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)) defined.add(m[1]);
      }
      if (rule.cssRules) collect(rule.cssRules);
    }
  };
  for (const sheet of document.styleSheets) {
    try { collect(sheet.cssRules); } catch (e) { /* another origin's sheet: none expected */ }
  }
  const isStyled = (name) =>
    defined.has(name) || hooks.has(name) || vendorPrefixes.some((p) => name.startsWith(p)) ||
    [...hooks].some((h) => h.endsWith("-") && name.startsWith(h));
  const describe = (el) => {
    const cls = typeof el.className === "string" ? el.className.trim().split(/\s+/).slice(0, 3).join(".") : "";
    const text = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls ? "." + cls : ""}> ${text}`;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none";
  };
  const unstyled = {};
  for (const el of document.querySelectorAll("body [class]")) {
    if (el.closest("svg, .leaflet-container, [_echarts_instance_]")) continue;
    for (const name of el.classList) {
      if (!isStyled(name)) (unstyled[name] = unstyled[name] || []).push(describe(el));
    }
  }
  for (const name of Object.keys(unstyled)) unstyled[name] = unstyled[name].slice(0, 2);

  // 2. Text that runs out of its box: an element holding text of its own whose content is wider than
  // the box, unless the box scrolls or clips on purpose (text-overflow: ellipsis).
  const overflow = [];
  const skip = "input, select, textarea, option, video, canvas, svg, pre, code, .leaflet-container, [_echarts_instance_]";
  for (const el of document.body.querySelectorAll("*")) {
    if (el.clientWidth === 0 || el.matches(skip) || el.closest(skip)) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText) continue;
    const s = getComputedStyle(el);
    if (["auto", "scroll"].includes(s.overflowX) || s.textOverflow === "ellipsis") continue;
    if (el.scrollWidth > el.clientWidth + 1 && visible(el)) {
      overflow.push(`${describe(el)} (${el.scrollWidth} > ${el.clientWidth} px)`);
    }
  }

  // 3. The page scrolls sideways.
  const hscroll = document.documentElement.scrollWidth > window.innerWidth
    ? `${document.documentElement.scrollWidth} > ${window.innerWidth} px` : "";

  // 4. Boxes instead of glyphs: each character is drawn in the font its element asks for and compared
  // with a character no font has (U+10FFFD, private use): the same pixels are the .notdef box.
  const canvas = document.createElement("canvas");
  canvas.width = 40; canvas.height = 40;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (family, ch) => {
    ctx.clearRect(0, 0, 40, 40);
    ctx.font = `24px ${family}`;
    ctx.fillStyle = "#000";
    ctx.textBaseline = "top";
    ctx.fillText(ch, 4, 4);
    const data = ctx.getImageData(0, 0, 40, 40).data;
    let sig = "";
    for (let i = 3; i < data.length; i += 16) sig += data[i] > 127 ? "1" : "0";
    return `${ctx.measureText(ch).width.toFixed(2)}:${sig}`;
  };
  const known = new Set(args.known);
  const byFamily = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest("script, style, noscript, template") || !node.textContent.trim()) continue;
    const family = getComputedStyle(el).fontFamily;
    for (const ch of node.textContent) {
      const code = ch.codePointAt(0);
      if (code <= 0x7e || /\s/.test(ch) || known.has(family + "\u0000" + ch)) continue;
      if (!byFamily.has(family)) byFamily.set(family, new Map());
      if (!byFamily.get(family).has(ch)) byFamily.get(family).set(ch, el);
    }
  }
  const boxes = [];
  const checked = [];
  for (const [family, chars] of byFamily) {
    const tofu = new Set([draw(family, "\u{10FFFD}"), draw(family, "\u{10FFFE}")]);
    for (const [ch, el] of chars) {
      if (tofu.has(draw(family, ch))) boxes.push(`U+${ch.codePointAt(0).toString(16).toUpperCase()} ${ch} in ${describe(el)}`);
      else checked.push(family + "\u0000" + ch);
    }
  }
  return { unstyled, overflow: overflow.slice(0, 10), hscroll, boxes: boxes.slice(0, 10), checked };
}
