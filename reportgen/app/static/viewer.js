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

// The text layer gets each line's text as written, in one span: pdf.js ends a text item at each
// change of font (digits and Latin letters are in the Latin face, 44 / 家) and reads the 0.2 em the
// PDF puts between a Chinese character and a digit or Latin letter (the style's autospace_em) as a
// space. Without this, Ctrl-F would not find 44家 and a figure's source not be found in a span.
const HAN = "\u3400-\u9fff\uf900-\ufaff";
const GAP = new RegExp(`(?<=[${HAN}])\\s+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])\\s+(?=[${HAN}])`, "g");

function asWritten(content) {
  const out = [];
  for (const it of content.items) {
    if (typeof it.str !== "string") { out.push(it); continue; }
    const last = out[out.length - 1];
    const size = Math.hypot(it.transform[0], it.transform[1]);
    if (last && typeof last.str === "string" && !last.hasEOL && last.dir === it.dir && it.transform[1] === 0
        && Math.abs(last.transform[5] - it.transform[5]) < 0.5
        && Math.abs(Math.hypot(last.transform[0], last.transform[1]) - size) < 0.5) {
      const end = last.transform[4] + last.width, gap = it.transform[4] - end;
      if (gap > -0.5 * size && gap < size) {   // the same line, next to it: one item
        const spaced = gap > 0.25 * size && !it.str.startsWith(" ") && !last.str.endsWith(" ");
        last.str = last.str + (spaced ? " " : "") + it.str;
        last.width = it.transform[4] + it.width - last.transform[4];
        last.hasEOL = it.hasEOL;
        continue;
      }
    }
    out.push({...it});
  }
  for (const it of out) if (typeof it.str === "string") it.str = it.str.replace(GAP, "");
  return {...content, items: out};
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
