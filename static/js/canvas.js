// The canvas editor: pan/zoom, palette drops, node moves, edge drawing, selection, live socket events.
// The page is rendered server-side (apps/workflows/views/editor.py); this module makes it interactive.
// Every write goes to /workflows/<slug>/editor/... and every change (ours or anybody's) comes back on
// the editor socket as an event, which is what actually updates the canvas.

const root = document.getElementById("editor");
const base = root.dataset.baseUrl;
const csrf = root.dataset.csrf;
const canWrite = root.dataset.canWrite === "true";
const canvasEl = document.getElementById("canvas");
const viewport = document.getElementById("viewport");
const errorBox = document.getElementById("canvas-error");
const popover = document.getElementById("json-popover");
const eventsBox = document.getElementById("pipelit-events");
const SVG_NS = "http://www.w3.org/2000/svg";
const NODE_WIDTH = 200;
const SOURCE_HANDLES = ".handle--output, .handle--route, .handle--loop_body";
const TARGET_HANDLES = ".handle--sub, .handle--loop_return"; // entered from below, by edge label
const DROP_HANDLES = `.handle--input, ${TARGET_HANDLES}`;

const view = { x: 0, y: 0, k: 1 };
let selection = null; // { kind: "node" | "edge", id }
const lastStatus = {}; // node_id -> last node_status event data
const pendingChats = new Set(); // execution ids whose reply the chat panel waits for
const chatAnswered = new Set();

// ---- helpers --------------------------------------------------------------------------------------

async function api(method, path, body, { form = false } = {}) {
  const headers = { "X-CSRFToken": csrf, Accept: "application/json" };
  let payload;
  if (body !== undefined) {
    if (form) payload = body;
    else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  const res = await fetch(base + path, { method, headers, body: payload, credentials: "same-origin" });
  let data = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  }
  return { ok: res.ok, status: res.status, data };
}

function detailText(data, status) {
  const detail = data && data.detail;
  if (detail && Array.isArray(detail.validation_errors)) return detail.validation_errors.join("; ");
  if (typeof detail === "string") return detail;
  if (detail) return JSON.stringify(detail);
  return `Request failed (${status}).`;
}

let errorTimer = null;
function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorBox.hidden = true), 8000);
}

const esc = (value) => CSS.escape(String(value));
const nodeEl = (id) => document.getElementById(`node-${id}`);
const edgeEl = (id) => document.getElementById(`edge-${id}`);
const nodesLayer = () => document.getElementById("nodes");
const edgesLayer = () => document.getElementById("edges");
const draftPath = () => document.getElementById("edge-draft");

function applyView() {
  viewport.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.k})`;
}

function toCanvas(clientX, clientY) {
  const r = canvasEl.getBoundingClientRect();
  return { x: (clientX - r.left - view.x) / view.k, y: (clientY - r.top - view.y) / view.k };
}

function nodePos(el) {
  return { x: parseFloat(el.style.left) || 0, y: parseFloat(el.style.top) || 0 };
}

function handlePoint(el, handle) {
  const p = nodePos(el);
  return { x: p.x + parseFloat(handle.style.left), y: p.y + parseFloat(handle.style.top) };
}

// Same curve as apps/workflows/canvas.py `curve`, so server and browser draw identical edges.
function curve(x1, y1, x2, y2, verticalEnd) {
  const dx = Math.max(40, Math.abs(x2 - x1) / 2);
  const [c2x, c2y] = verticalEnd ? [x2, y2 + Math.max(40, Math.abs(y2 - y1) / 2)] : [x2 - dx, y2];
  const f = (n) => n.toFixed(1);
  return `M ${f(x1)} ${f(y1)} C ${f(x1 + dx)} ${f(y1)}, ${f(c2x)} ${f(c2y)}, ${f(x2)} ${f(y2)}`;
}

// Same as apps/workflows/canvas.py `return_path`: below both nodes and up into the loop's "return".
function returnPath(x1, y1, x2, y2) {
  const bottom = Math.max(y1 + 60, y2 + 40);
  const f = (n) => n.toFixed(1);
  return `M ${f(x1)} ${f(y1)} C ${f(x1 + 50)} ${f(y1)}, ${f(x1 + 50)} ${f(bottom)}, ${f(x1)} ${f(bottom)} L ${f(x2)} ${f(bottom)} L ${f(x2)} ${f(y2)}`;
}

// ---- edges ----------------------------------------------------------------------------------------

function sourceHandle(el, edgeType, condition, label) {
  if (label === "loop_body") {
    const body = el.querySelector(".handle--loop_body");
    if (body) return body;
  }
  if (edgeType === "conditional") {
    const route = el.querySelector(`.handle--route[data-handle-name="${esc(condition)}"]`);
    if (route) return route;
  }
  return el.querySelector(".handle--output, .handle--route");
}

function targetHandle(el, label) {
  if (label) {
    const named = `[data-edge-label="${esc(label)}"]`;
    const sub = el.querySelector(`.handle--sub${named}, .handle--loop_return${named}`);
    if (sub) return sub;
  }
  return el.querySelector(".handle--input") || el.querySelector(".handle");
}

function layoutEdge(g) {
  const source = nodeEl(g.dataset.source);
  const target = nodeEl(g.dataset.target);
  const start = source && sourceHandle(source, g.dataset.edgeType, g.dataset.conditionValue, g.dataset.edgeLabel);
  const end = target && targetHandle(target, g.dataset.edgeLabel);
  let d = "";
  if (start && end) {
    const a = handlePoint(source, start);
    const b = handlePoint(target, end);
    d = end.matches(".handle--loop_return") ? returnPath(a.x, a.y, b.x, b.y) : curve(a.x, a.y, b.x, b.y, end.matches(TARGET_HANDLES));
  }
  for (const path of g.querySelectorAll("path")) path.setAttribute("d", d);
}

function layoutEdgesOf(nodeId) {
  const id = esc(nodeId);
  for (const g of edgesLayer().querySelectorAll(`.edge[data-source="${id}"], .edge[data-target="${id}"]`)) {
    layoutEdge(g);
  }
}

function layoutAllEdges() {
  for (const g of edgesLayer().querySelectorAll(".edge")) layoutEdge(g);
}

function upsertEdge(edge) {
  let g = edgeEl(edge.id);
  if (!g) {
    g = document.createElementNS(SVG_NS, "g");
    g.id = `edge-${edge.id}`;
    for (const cls of ["edge__hit", "edge__line"]) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("class", cls);
      g.appendChild(path);
    }
    edgesLayer().insertBefore(g, draftPath());
  }
  const sub = edge.edge_label ? ` edge--sub edge--${edge.edge_label}` : "";
  g.setAttribute("class", `edge edge--${edge.edge_type}${sub}`);
  g.setAttribute("tabindex", "0");
  g.setAttribute("role", "button");
  g.dataset.edgeId = edge.id;
  g.dataset.source = edge.source_node_id;
  g.dataset.target = edge.target_node_id;
  g.dataset.edgeType = edge.edge_type;
  g.dataset.edgeLabel = edge.edge_label || "";
  g.dataset.conditionValue = edge.condition_value || "";
  const route = edge.condition_value ? ` on route ${edge.condition_value}` : "";
  const label = edge.edge_label ? ` (${edge.edge_label})` : "";
  g.setAttribute("aria-label", `Connection from ${edge.source_node_id} to ${edge.target_node_id}${route}${label}`);
  layoutEdge(g);
}

function removeEdge(id) {
  const g = edgeEl(id);
  if (g) g.remove();
  if (selection && selection.kind === "edge" && String(selection.id) === String(id)) selection = null;
}

// ---- nodes ----------------------------------------------------------------------------------------

async function upsertNode(nodeId) {
  const res = await fetch(`${base}nodes/${encodeURIComponent(nodeId)}/card/`, { credentials: "same-origin" });
  if (!res.ok) return;
  const tpl = document.createElement("template");
  tpl.innerHTML = (await res.text()).trim();
  const fresh = tpl.content.firstElementChild;
  const old = nodeEl(nodeId);
  if (old) {
    const oldBadge = old.querySelector(".node-badge");
    const newBadge = fresh.querySelector(".node-badge");
    if (oldBadge && newBadge) newBadge.replaceWith(oldBadge);
    if (old.classList.contains("selected")) fresh.classList.add("selected");
    if (old.dataset.dragging) return; // the user is moving it; their drop saves the position again
    old.replaceWith(fresh);
  } else {
    nodesLayer().appendChild(fresh);
  }
  layoutEdgesOf(nodeId);
}

function removeNode(nodeId) {
  const el = nodeEl(nodeId);
  if (el) el.remove();
  const id = esc(nodeId);
  for (const g of edgesLayer().querySelectorAll(`.edge[data-source="${id}"], .edge[data-target="${id}"]`)) {
    g.remove();
  }
  if (selection && selection.kind === "node" && selection.id === nodeId) deselect();
}

async function createNode(componentType, x, y) {
  const res = await api("POST", "nodes/", {
    component_type: componentType,
    position_x: Math.round(x),
    position_y: Math.round(y),
  });
  if (!res.ok) return showError(detailText(res.data, res.status));
  await upsertNode(res.data.node_id);
  select("node", res.data.node_id);
}

// ---- selection ------------------------------------------------------------------------------------

function deselect() {
  for (const el of document.querySelectorAll(".node.selected, .edge.selected")) el.classList.remove("selected");
  if (selection && selection.kind === "node") {
    document.getElementById("details-panel").innerHTML = '<p class="muted">Select a node to edit it.</p>';
  }
  selection = null;
}

function select(kind, id) {
  const same = selection && selection.kind === kind && String(selection.id) === String(id);
  if (!same) deselect();
  selection = { kind, id };
  const el = kind === "node" ? nodeEl(id) : edgeEl(id);
  if (el) el.classList.add("selected");
  if (kind === "node" && !same && window.htmx) {
    window.htmx.ajax("GET", `${base}nodes/${encodeURIComponent(id)}/panel/`, {
      target: "#details-panel",
      swap: "innerHTML",
    });
  }
}

async function deleteSelection() {
  if (!selection || !canWrite) return;
  const { kind, id } = selection;
  const path = kind === "node" ? `nodes/${encodeURIComponent(id)}/` : `edges/${id}/`;
  const res = await api("DELETE", path);
  if (!res.ok && res.status !== 404) return showError(detailText(res.data, res.status));
  if (kind === "node") removeNode(id);
  else removeEdge(id);
  deselect();
}

// ---- pointer interactions -------------------------------------------------------------------------

let gesture = null;

function onPointerDown(event) {
  if (event.button !== 0) return;
  const target = event.target;
  if (target.closest("button, a, input, textarea, select")) return;
  const handle = target.closest(SOURCE_HANDLES);
  const node = target.closest(".node");
  const edge = target.closest(".edge");
  if (handle && canWrite) {
    gesture = { kind: "connect", handle, node: handle.closest(".node") };
    const p = handlePoint(gesture.node, handle);
    gesture.from = p;
    const draft = draftPath();
    draft.hidden = false;
    draft.setAttribute("d", curve(p.x, p.y, p.x, p.y));
  } else if (node && !target.closest(".handle")) {
    const start = nodePos(node);
    gesture = { kind: "move", node, start, cx: event.clientX, cy: event.clientY, moved: false };
  } else if (edge) {
    select("edge", edge.dataset.edgeId);
    return;
  } else if (!node) {
    gesture = { kind: "pan", cx: event.clientX, cy: event.clientY, vx: view.x, vy: view.y, moved: false };
    canvasEl.classList.add("panning");
  } else {
    return;
  }
  canvasEl.setPointerCapture(event.pointerId);
  event.preventDefault();
}

function onPointerMove(event) {
  if (!gesture) return;
  if (gesture.kind === "pan") {
    view.x = gesture.vx + event.clientX - gesture.cx;
    view.y = gesture.vy + event.clientY - gesture.cy;
    gesture.moved = gesture.moved || Math.abs(event.clientX - gesture.cx) + Math.abs(event.clientY - gesture.cy) > 3;
    applyView();
  } else if (gesture.kind === "move") {
    const dx = (event.clientX - gesture.cx) / view.k;
    const dy = (event.clientY - gesture.cy) / view.k;
    if (!gesture.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    if (!canWrite) return;
    gesture.moved = true;
    gesture.node.dataset.dragging = "1";
    gesture.node.style.left = `${gesture.start.x + dx}px`;
    gesture.node.style.top = `${gesture.start.y + dy}px`;
    layoutEdgesOf(gesture.node.dataset.nodeId);
  } else if (gesture.kind === "connect") {
    const p = toCanvas(event.clientX, event.clientY);
    draftPath().setAttribute("d", curve(gesture.from.x, gesture.from.y, p.x, p.y));
    for (const el of document.querySelectorAll(".drop-target")) el.classList.remove("drop-target");
    const over = document.elementFromPoint(event.clientX, event.clientY);
    const drop = over && over.closest(DROP_HANDLES);
    if (drop) drop.classList.add("drop-target");
  }
}

async function onPointerUp(event) {
  const g = gesture;
  gesture = null;
  if (!g) return;
  canvasEl.classList.remove("panning");
  if (g.kind === "pan") {
    if (!g.moved) deselect();
  } else if (g.kind === "move") {
    const id = g.node.dataset.nodeId;
    if (!g.moved) return select("node", id);
    delete g.node.dataset.dragging;
    const p = nodePos(g.node);
    const res = await api("POST", `nodes/${encodeURIComponent(id)}/position/`, {
      position_x: Math.round(p.x),
      position_y: Math.round(p.y),
    });
    if (!res.ok) showError(detailText(res.data, res.status));
  } else if (g.kind === "connect") {
    draftPath().hidden = true;
    for (const el of document.querySelectorAll(".drop-target")) el.classList.remove("drop-target");
    const over = document.elementFromPoint(event.clientX, event.clientY);
    const drop = over && over.closest(DROP_HANDLES);
    if (drop) await connect(g.handle, g.node, drop);
  }
}

async function connect(fromHandle, fromNode, drop) {
  const isRoute = fromHandle.dataset.handleKind === "route";
  const body = {
    source_node_id: fromNode.dataset.nodeId,
    target_node_id: drop.closest(".node").dataset.nodeId,
    edge_type: isRoute ? "conditional" : "direct",
    condition_value: isRoute ? fromHandle.dataset.handleName : "",
    // A loop's "each item" handle makes a loop_body edge; a diamond or a loop's "return" handle names theirs.
    edge_label: fromHandle.dataset.edgeLabel || (drop.matches(TARGET_HANDLES) ? drop.dataset.edgeLabel : ""),
  };
  const res = await api("POST", "edges/", body);
  if (!res.ok) return showError(detailText(res.data, res.status));
  errorBox.hidden = true;
  upsertEdge(res.data);
}

function onWheel(event) {
  event.preventDefault();
  const r = canvasEl.getBoundingClientRect();
  zoomAt(event.clientX - r.left, event.clientY - r.top, Math.exp(-event.deltaY * 0.0015));
}

function zoomAt(px, py, factor) {
  const k = Math.min(2.5, Math.max(0.1, view.k * factor));
  view.x = px - ((px - view.x) * k) / view.k;
  view.y = py - ((py - view.y) * k) / view.k;
  view.k = k;
  applyView();
}

function fitView() {
  const nodes = [...document.querySelectorAll(".node")];
  if (!nodes.length) {
    Object.assign(view, { x: 0, y: 0, k: 1 });
    return applyView();
  }
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const el of nodes) {
    const p = nodePos(el);
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x + NODE_WIDTH);
    maxY = Math.max(maxY, p.y + el.offsetHeight);
  }
  const r = canvasEl.getBoundingClientRect();
  const pad = 60;
  const k = Math.min(1.5, Math.max(0.1, Math.min((r.width - 2 * pad) / (maxX - minX), (r.height - 2 * pad) / (maxY - minY))));
  view.k = k;
  view.x = (r.width - (maxX - minX) * k) / 2 - minX * k;
  view.y = (r.height - (maxY - minY) * k) / 2 - minY * k;
  applyView();
}

// ---- palette --------------------------------------------------------------------------------------

function wirePalette() {
  const search = document.getElementById("palette-search");
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    for (const group of document.querySelectorAll(".palette-group")) {
      let visible = 0;
      for (const item of group.querySelectorAll(".palette-item")) {
        const show = !q || item.dataset.search.includes(q);
        item.parentElement.hidden = !show;
        visible += show ? 1 : 0;
      }
      group.hidden = visible === 0;
    }
  });
  let added = 0;
  for (const item of document.querySelectorAll(".palette-item")) {
    item.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("application/x-pipelit-type", item.dataset.componentType);
      event.dataTransfer.setData("text/plain", item.dataset.componentType);
      event.dataTransfer.effectAllowed = "copy";
    });
    item.addEventListener("click", () => {
      // Keyboard and click: add near the middle of the visible canvas, staggered.
      const r = canvasEl.getBoundingClientRect();
      const p = toCanvas(r.left + r.width / 2, r.top + r.height / 3);
      const offset = (added++ % 6) * 30;
      createNode(item.dataset.componentType, p.x - NODE_WIDTH / 2 + offset, p.y + offset);
    });
  }
  canvasEl.addEventListener("dragover", (event) => {
    if (canWrite && event.dataTransfer.types.includes("application/x-pipelit-type")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  });
  canvasEl.addEventListener("drop", (event) => {
    const type = event.dataTransfer.getData("application/x-pipelit-type");
    if (!type) return;
    event.preventDefault();
    const p = toCanvas(event.clientX, event.clientY);
    createNode(type, p.x - NODE_WIDTH / 2, p.y - 20);
  });
}

// ---- popovers, variable picker, run, chat -------------------------------------------------------

function openPopover(title, value) {
  document.getElementById("json-popover-title").textContent = title;
  document.getElementById("json-popover-body").textContent = JSON.stringify(value, null, 2);
  popover.hidden = false;
  document.getElementById("json-popover-body").focus();
}

let pickerTarget = null;

function onClick(event) {
  const link = event.target.closest(".node-badge__link");
  if (link) {
    event.preventDefault();
    const nodeId = link.closest(".node").dataset.nodeId;
    if (link.dataset.popoverJson !== undefined) {
      let value = link.dataset.popoverJson;
      try {
        value = JSON.parse(value);
      } catch {
        /* shown as text */
      }
      return openPopover(`Output of ${nodeId}`, value);
    }
    let detail = lastStatus[nodeId] || {};
    try {
      if (link.dataset.popoverError) detail = JSON.parse(link.dataset.popoverError);
    } catch {
      /* fall back to the last socket event */
    }
    return openPopover(`Error of ${nodeId}`, { error: detail.error, error_code: detail.error_code });
  }
  const action = event.target.closest("[data-action]");
  if (!action) return;
  const name = action.dataset.action;
  if (name === "zoom-in" || name === "zoom-out") {
    const r = canvasEl.getBoundingClientRect();
    zoomAt(r.width / 2, r.height / 2, name === "zoom-in" ? 1.2 : 1 / 1.2);
  } else if (name === "fit") fitView();
  else if (name === "close-popover") popover.hidden = true;
  else if (name === "run") runTrigger(action.dataset.nodeId);
  else if (name === "delete-node") {
    selection = { kind: "node", id: action.dataset.nodeId };
    deleteSelection();
  } else if (name === "variables") {
    const picker = document.getElementById("var-picker");
    pickerTarget = document.getElementById(action.dataset.target);
    picker.hidden = !picker.hidden;
    action.setAttribute("aria-expanded", String(!picker.hidden));
    if (!picker.hidden) picker.querySelector(".var-option")?.focus();
  }
}

function onPickVariable(event) {
  const option = event.target.closest(".var-option");
  if (!option || !pickerTarget) return;
  const text = option.dataset.expression;
  const start = pickerTarget.selectionStart ?? pickerTarget.value.length;
  const end = pickerTarget.selectionEnd ?? start;
  pickerTarget.setRangeText(text, start, end, "end");
  document.getElementById("var-picker").hidden = true;
  pickerTarget.focus();
}

async function runTrigger(nodeId) {
  const res = await api("POST", `nodes/${encodeURIComponent(nodeId)}/run/`);
  if (!res.ok) showError(detailText(res.data, res.status));
}

function chatAppend(role, text) {
  const box = document.getElementById("chat-messages");
  const live = document.getElementById("chat-live");
  const div = document.createElement("div");
  div.className = `chat-message chat-message--${role}`;
  const who = document.createElement("span");
  who.className = "chat-message__role";
  who.textContent = role;
  const body = document.createElement("div");
  body.className = "chat-message__text";
  body.textContent = text;
  div.append(who, body);
  live.appendChild(div);
  box.scrollTop = box.scrollHeight;
}

function wireChat() {
  const form = document.getElementById("chat-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("chat-text");
    const text = input.value.trim();
    if (!text) return;
    const res = await api("POST", "chat/", new URLSearchParams({ text }), { form: true });
    if (!res.ok) return showError(detailText(res.data, res.status));
    input.value = "";
    chatAppend("user", text);
    if (res.data.execution_id) pendingChats.add(res.data.execution_id);
  });
}

function replyText(output) {
  if (output == null) return "";
  if (typeof output === "string") return output;
  for (const key of ["text", "output", "message", "content"]) {
    if (typeof output[key] === "string") return output[key];
  }
  return JSON.stringify(output);
}

// ---- socket events --------------------------------------------------------------------------------

function handleEvent(event) {
  const data = event.data || {};
  switch (event.type) {
    case "node_created":
    case "node_updated":
      return upsertNode(data.node_id);
    case "node_deleted":
      return removeNode(data.node_id);
    case "edge_created":
    case "edge_updated":
      return upsertEdge(data);
    case "edge_deleted":
      return removeEdge(data.id);
    case "execution_started":
      for (const badge of document.querySelectorAll(".node-badge")) {
        badge.className = "node-badge node-badge--pending";
        badge.textContent = "";
        badge.setAttribute("aria-label", `${badge.id.slice(6)}: pending`);
      }
      return;
    case "node_status":
      lastStatus[data.node_id] = data;
      return;
    case "chat_message":
      if (data.role && data.role !== "user") chatAnswered.add(data.execution_id);
      return;
    case "execution_completed":
    case "execution_failed":
      if (pendingChats.has(data.execution_id) && !chatAnswered.has(data.execution_id)) {
        pendingChats.delete(data.execution_id);
        const text = event.type === "execution_failed" ? `Error: ${data.error || "failed"}` : replyText(data.final_output);
        chatAppend("assistant", text);
      }
      return;
    default:
      return;
  }
}

// Applies the htmx out-of-band fragments the editor socket sends, then consumes the JSON events.
function applyFragments(html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  for (const el of [...tpl.content.children]) {
    const swap = el.getAttribute("hx-swap-oob") || "true";
    el.removeAttribute("hx-swap-oob");
    const target = el.id && document.getElementById(el.id);
    if (!target) continue;
    if (swap.startsWith("beforeend")) target.append(...el.childNodes);
    else {
      target.replaceWith(el);
      if (window.htmx) window.htmx.process(el); // e.g. the circuit banner's Reset button
    }
  }
  for (const script of [...eventsBox.querySelectorAll("script[type='application/json']")]) {
    script.remove();
    try {
      // The server HTML-escapes the JSON, and a <script> body is raw text: decode the entities first.
      const decoder = document.createElement("textarea");
      decoder.innerHTML = script.textContent;
      handleEvent(JSON.parse(decoder.value));
    } catch (err) {
      console.error("bad editor event", err);
    }
  }
}

let attempts = 0;
let everOpen = false;

function socketState(text) {
  document.getElementById("socket-state").textContent = text;
  root.dataset.socket = text;
}

function connectSocket() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + root.dataset.wsPath);
  ws.addEventListener("open", () => {
    socketState("live");
    if (everOpen) resync();
    everOpen = true;
    attempts = 0;
  });
  ws.addEventListener("message", (event) => applyFragments(event.data));
  ws.addEventListener("close", () => {
    socketState("reconnecting…");
    const delay = Math.min(15000, 500 * 2 ** attempts++) * (0.5 + Math.random() / 2);
    setTimeout(connectSocket, delay);
  });
}

async function resync() {
  // Whatever happened while the socket was down: take the server's graph as it is now.
  const res = await fetch(`${base}graph/`, { credentials: "same-origin" });
  if (!res.ok) return;
  // Badges come back too, rebuilt by the server from the latest execution's logs.
  viewport.innerHTML = await res.text();
  layoutAllEdges();
  if (selection) {
    const el = selection.kind === "node" ? nodeEl(selection.id) : edgeEl(selection.id);
    if (el) el.classList.add("selected");
    else selection = null;
  }
}

// ---- keyboard -------------------------------------------------------------------------------------

function onKeyDown(event) {
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "Escape") {
    const picker = document.getElementById("var-picker");
    if (picker && !picker.hidden) {
      picker.hidden = true;
      return pickerTarget && pickerTarget.focus();
    }
    if (!popover.hidden) return (popover.hidden = true);
    if (!typing) deselect();
    return;
  }
  if (typing) return;
  if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    deleteSelection();
  } else if (event.key === "Enter" || event.key === " ") {
    const node = event.target.closest(".node");
    const edge = event.target.closest(".edge");
    if (node && event.target === node) {
      event.preventDefault();
      select("node", node.dataset.nodeId);
    } else if (edge) {
      event.preventDefault();
      select("edge", edge.dataset.edgeId);
    }
  }
}

// ---- start ----------------------------------------------------------------------------------------

canvasEl.addEventListener("pointerdown", onPointerDown);
canvasEl.addEventListener("pointermove", onPointerMove);
canvasEl.addEventListener("pointerup", onPointerUp);
canvasEl.addEventListener("wheel", onWheel, { passive: false });
document.addEventListener("click", onClick);
document.getElementById("details-panel").addEventListener("click", onPickVariable);
document.addEventListener("keydown", onKeyDown);
wirePalette();
wireChat();
layoutAllEdges();
if (document.querySelector(".node")) fitView();
else applyView();
connectSocket();
document.body.dataset.canvasReadyMs = performance.now().toFixed(1); // bench/editor.py reads it
document.body.dataset.canvasReady = "true";
