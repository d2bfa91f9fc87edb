// reportgen preview: one document as the pages of its PDF (PDF.js: a canvas and a text layer
// per page, so the text can be selected and found with Ctrl-F). A Server-Sent Events stream
// says when the document has a new PDF or has problems; new pages replace the old ones in
// place (the scroll position stays), problems are shown over the last good pages.
import * as pdfjsLib from "/static/pdfjs/pdf.min.mjs";

pdfjsLib.GlobalWorkerOptions.workerSrc = "/static/pdfjs/pdf.worker.min.mjs";

const body = document.body;
const key = body.dataset.doc;
const SCALE = 96 / 72;            // CSS pixels per PDF point: 100 % zoom, A4 is 794 px wide
let shownRev = 0, wantedRev = 0, busy = false, current = null;

function pageBox(viewport) {
  const div = document.createElement("div");
  div.className = "page";
  div.style.width = viewport.width + "px";
  div.style.height = viewport.height + "px";
  div.style.setProperty("--total-scale-factor", SCALE);
  return div;
}

async function paint(page, div) {
  const viewport = page.getViewport({scale: SCALE});
  const ratio = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  await page.render({canvas, viewport: page.getViewport({scale: SCALE * ratio})}).promise;
  div.prepend(canvas);
  div.dataset.painted = "1";
}

// pdf.js reads the 0.2 em the PDF puts between a Chinese character and a digit or Latin letter
// (the style's autospace_em) as a space: the text layer gets the text as written instead, so that
// Ctrl-F finds 2023年 and a figure's source is found in its span.
const HAN = "\u3400-\u9fff\uf900-\ufaff";
const GAP = new RegExp(`(?<=[${HAN}])\\s+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])\\s+(?=[${HAN}])`, "g");

function asWritten(content) {
  const items = content.items.filter((it) => typeof it.str === "string");
  items.forEach((it, i) => {
    it.str = it.str.replace(GAP, "");
    if (it.str && !it.str.trim()) {   // a space item of its own between two items
      const before = (items[i - 1]?.str || "").slice(-1), after = (items[i + 1]?.str || "").slice(0, 1);
      if (before && after && `${before} ${after}`.replace(GAP, "").length === 2) it.str = "";
    }
  });
  return content;
}

async function words(page, div) {
  const viewport = page.getViewport({scale: SCALE});
  const text = document.createElement("div");
  text.className = "textLayer";
  div.appendChild(text);
  const content = asWritten(await page.getTextContent());
  await new pdfjsLib.TextLayer({textContentSource: content, container: text, viewport}).render();
}

async function sources(pages, rev) {
  // each figure's source as the title of the text-layer span holding it (shown on hover)
  const response = await fetch(`/sources/${key}?rev=${rev}`, {cache: "no-store"});
  if (!response.ok) return;
  const squash = (t) => t.replace(/\s+/g, "");
  for (const row of await response.json()) {
    const div = pages[row.page - 1] && pages[row.page - 1][1];
    if (!div) continue;
    for (const span of div.querySelectorAll(".textLayer span")) {
      if (!squash(span.textContent).includes(squash(row.text))) continue;
      span.title = span.title ? `${span.title}\n\n${row.text}：${row.title}` : `${row.text}：${row.title}`;
      span.classList.add("rg-src");
      span.dataset.indicator = row.indicator;
      break;
    }
  }
}

function firstVisible(container) {
  // the page at the top of the window now: painted first in the new version
  const pages = container ? container.querySelectorAll(".page") : [];
  for (let i = 0; i < pages.length; i++) {
    if (pages[i].getBoundingClientRect().bottom > 0) return i;
  }
  return 0;
}

async function show(rev) {
  busy = true;
  try {
    const response = await fetch(`/pdf/${key}?rev=${rev}`, {cache: "no-store"});
    if (!response.ok) return;
    const served = +response.headers.get("X-Reportgen-Rev");
    const task = pdfjsLib.getDocument({data: await response.arrayBuffer(), isEvalSupported: false});
    const pdf = await task.promise;
    const old = document.getElementById("pages");
    const next = document.createElement("div");
    const pages = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const page = await pdf.getPage(i);
      const div = pageBox(page.getViewport({scale: SCALE}));
      next.appendChild(div);
      pages.push([page, div]);
    }
    const first = firstVisible(old);
    const order = pages.map((_, i) => i).sort((a, b) => (a < first) - (b < first) || a - b);
    const soon = order.slice(0, 2), later = order.slice(2);
    // the pages in view first (text and picture), shown at once; the others follow
    await Promise.all(soon.map((i) => words(...pages[i]).then(() => paint(...pages[i]))));
    const y = window.scrollY;
    next.id = "pages";
    old.replaceWith(next);
    window.scrollTo(0, y);
    shownRev = served || rev;
    body.dataset.rev = shownRev;
    body.dataset.pages = pdf.numPages;
    if (current) current.destroy();   // the previous version's loading task, its worker memory
    current = task;
    await Promise.all(later.map((i) => words(...pages[i])));  // every page's text: Ctrl-F finds it
    body.dataset.text = shownRev;
    const shown = shownRev;
    sources(pages, served || rev).catch(console.error)       // where the figures come from (hover)
      .finally(() => { body.dataset.sources = shown; });
    for (const i of later) await paint(...pages[i]);
  } catch (error) {
    console.error(error);
  } finally {
    busy = false;
    if (wantedRev > shownRev) show(wantedRev);
  }
}

function showProblems(heading, problems, hint) {
  let box = document.getElementById("problems");
  if (!problems.length) {
    if (box) box.remove();
    body.classList.remove("has-problems");
    return;
  }
  if (!box) {
    box = document.createElement("section");
    box.id = "problems";
    box.setAttribute("role", "alert");
    body.appendChild(box);
  }
  box.replaceChildren();
  const h = document.createElement("h1");
  h.textContent = heading;
  const list = document.createElement("ol");
  for (const p of problems) {
    const li = document.createElement("li");
    const pre = document.createElement("pre");
    pre.textContent = p;
    li.appendChild(pre);
    list.appendChild(li);
  }
  const p = document.createElement("p");
  p.textContent = hint;
  box.append(h, list, p);
  body.classList.add("has-problems");
}

function listen() {
  const events = new EventSource(`/events?doc=${encodeURIComponent(key)}`);
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    if (s.title) { document.title = s.title; document.getElementById("title").textContent = s.title; }
    document.getElementById("status").textContent = s.status;
    showProblems(s.heading, s.problems, s.hint);
    if (s.rev > wantedRev) wantedRev = s.rev;
    if (!busy && wantedRev > shownRev) show(wantedRev);
  };
  events.onerror = () => { events.close(); setTimeout(listen, 1000); };
}

listen();
