// Search the evidence with the Pagefind index the renderer builds (renderer/search.py).
// A progressive enhancement: the search block is in the page from the first paint (so the
// page does not jump), its box disabled until the index has loaded; without JavaScript
// noscript.css hides it, and from file:// (modules cannot load) this file hides it. No inline script, no eval: the page's CSP
// allows scripts from the site itself and WebAssembly compilation only.

const FILTERS = [
  ["stage", "Stage"],
  ["system", "System"],
  ["forge", "Forge"],
  ["year", "Year"],
  ["repository", "Repository"],
];
const SHOWN = 20;

const root = document.querySelector("[data-search]");
if (root) {
  start(root).catch(() => {
    root.hidden = true; // no index, or it failed to load: the page works without it
  });
}

async function start(root) {
  const site = new URL(".", import.meta.url);
  const pagefind = await import(new URL("pagefind/pagefind.js", site).href);
  await pagefind.options({ baseUrl: site.pathname });
  await pagefind.init();
  const available = await pagefind.filters();

  const input = root.querySelector("input");
  const status = root.querySelector(".search-status");
  const list = root.querySelector(".search-results");
  const selects = {};
  const box = root.querySelector(".search-filters");
  for (const [name, label] of FILTERS) {
    const values = Object.keys(available[name] || {}).sort(byName(name));
    if (values.length === 0) continue;
    selects[name] = filterSelect(box, name, label, values, available[name]);
  }

  let latest = 0;
  async function run() {
    const ticket = ++latest;
    const query = input.value.trim();
    const filters = {};
    for (const [name, select] of Object.entries(selects)) {
      if (select.value) filters[name] = select.value;
    }
    if (!query && Object.keys(filters).length === 0) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const search = await pagefind.debouncedSearch(query || null, { filters }, 150);
    if (search === null || ticket !== latest) return; // a newer search is on its way
    const found = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
    if (ticket !== latest) return;
    const count = search.results.length;
    status.textContent =
      `${count} ${count === 1 ? "item" : "items"} found` +
      (count > SHOWN ? `; the first ${SHOWN} are shown` : "");
    list.replaceChildren(...found.map(result));
  }
  input.addEventListener("input", run);
  for (const select of Object.values(selects)) select.addEventListener("change", run);
  input.disabled = false;
}

function byName(name) {
  // Newest year first; everything else alphabetically.
  return name === "year" ? (a, b) => b.localeCompare(a) : (a, b) => a.localeCompare(b);
}

function filterSelect(box, name, label, values, counts) {
  const wrapper = document.createElement("label");
  wrapper.className = "search-filter";
  wrapper.append(label + " ");
  const select = document.createElement("select");
  select.name = name;
  select.append(new Option("Any", ""));
  for (const value of values) select.append(new Option(`${value} (${counts[value]})`, value));
  wrapper.append(select);
  box.append(wrapper);
  return select;
}

function result(data) {
  const item = document.createElement("li");
  item.className = "entry";
  if (data.meta.date) {
    const time = document.createElement("time");
    time.dateTime = data.meta.date;
    time.textContent = data.meta.date;
    item.append(time, " ");
  }
  const link = document.createElement("a");
  link.className = "entry-title";
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  const meta = document.createElement("span");
  meta.className = "meta";
  if (data.meta.kind) meta.append(data.meta.kind + " · ");
  meta.append(...excerpt(data.excerpt));
  item.append(link, meta);
  return item;
}

// Pagefind's excerpt is HTML with <mark> around the matched words. Rebuild it from text
// and <mark> only, so nothing that came from a forge can become markup here. DOMParser
// documents run no script and load nothing.
function excerpt(html) {
  const parsed = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
  const paragraph = parsed.body.firstElementChild;
  const nodes = [];
  for (const node of paragraph ? paragraph.childNodes : []) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}
