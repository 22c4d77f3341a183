/* Ceasefire monitoring dashboard.
 *
 * A thin client of the JSON API (/api/v1): it holds no rules of its own. What a user may see
 * is decided by the server for the token's role; this script only chooses which routes to
 * call for that role (so it never asks for what the role is refused) and which forms to
 * show. Every piece of text from the API is put in the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  const API = "/api/v1";
  const TOKEN_KEY = "ceasefire.token";
  const PAGE_LIMIT = 1000; // the API's largest page
  const MAX_ITEMS = 20000; // per layer; past this the window must be narrowed
  const LEVELS = ["confirmed", "corroborated", "reported", "rejected"];
  const LEVEL_LABELS = {
    confirmed: "Confirmed",
    corroborated: "Corroborated",
    reported: "Reported",
    rejected: "Rejected",
    unknown: "Unknown",
  };
  // Context kinds say that something was threatened or claimed over an area; they are
  // listed after the kinds that locate an event when an incident's kinds are named.
  const CONTEXT_KINDS = ["air_raid_alert", "aerial_attack_report"];

  // Which collections each role reads, and what it may do. The server enforces access;
  // this table only keeps the page from asking for what the role is refused.
  const ROLE_VIEWS = {
    public: { findings: "/public/findings", incidents: null, observations: null, decide: false, reply: false, exports: false, detail: false },
    monitor: { findings: null, incidents: null, observations: "/observations", decide: false, reply: false, exports: false, detail: false },
    analyst: { findings: "/findings", incidents: "/incidents", observations: null, decide: true, reply: false, exports: true, detail: true },
    chief: { findings: "/findings", incidents: "/incidents", observations: null, decide: true, reply: false, exports: true, detail: true },
    liaison: { findings: "/findings", incidents: "/incidents", observations: null, decide: false, reply: true, exports: false, detail: true },
    guarantor: { findings: "/findings", incidents: "/incidents", observations: null, decide: false, reply: false, exports: false, detail: true },
  };

  // Roles that may read warnings (the server decides: Policy.may_read_warnings); the page
  // asks for them only for these roles.
  const WARNING_READERS = ["analyst", "chief", "guarantor"];

  const state = {
    me: { user_id: "public", name: "public", role: "public", party: null },
    agreement: null,
    parties: {},
    zones: [],
    kindsSeen: new Set(),
    oblastNames: {},
    items: [], // normalised findings, incidents and observations of the current window
    selected: null,
    layers: {},
    map: null,
    markerLayer: null,
    markers: new Map(),
    loadSeq: 0,
    truncated: [],
    warnings: [], // warnings valid in the window (readers of warnings only)
    warningLayer: null,
    warningMarkers: new Map(),
    warningSeq: 0,
  };

  // ---------------------------------------------------------------- small helpers

  const $ = (id) => document.getElementById(id);

  /** Build an element: h("li", {class: "x", onclick: fn}, "text", child). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function levelColour(level) {
    const known = LEVELS.includes(level) ? level : "unknown";
    return cssVar(`--level-${known}`);
  }

  function label(text) {
    return String(text || "").replace(/_/g, " ");
  }

  /** "2023-01-06 12:00Z" from an ISO string (UTC). */
  function fmtTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toISOString().slice(0, 16).replace("T", " ") + "Z";
  }

  function dayOf(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
  }

  function addDays(day, n) {
    const d = new Date(day + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }

  function oblastName(code) {
    return state.oblastNames[code] ? `${state.oblastNames[code]} (${code})` : code;
  }

  function partyName(code) {
    if (!code) return "undetermined";
    return state.parties[code] ? `${state.parties[code]} (${code})` : code;
  }

  // ---------------------------------------------------------------- API access

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch (_e) {
      return null;
    }
  }

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || `request failed (${status})`);
      this.status = status;
      this.code = err.code || "";
      this.fields = err.fields || [];
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ method: "GET", headers: {} }, options || {});
    const headers = Object.assign({ Accept: "application/json" }, opts.headers);
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
    }
    const response = await fetch(API + path, { method: opts.method, headers, body: opts.body, cache: "no-store" });
    if (opts.raw) {
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      return response;
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  /** Every item of a paginated list, following next_cursor (at most MAX_ITEMS). */
  async function listAll(path, params) {
    const items = [];
    let cursor = null;
    for (;;) {
      const query = new URLSearchParams(params);
      query.set("limit", String(PAGE_LIMIT));
      if (cursor) query.set("cursor", cursor);
      const page = await api(`${path}?${query}`);
      const batch = Array.isArray(page) ? page : page.items || page.features || [];
      items.push(...batch);
      cursor = Array.isArray(page) ? null : page.next_cursor;
      if (!cursor) return { items, truncated: false };
      if (items.length >= MAX_ITEMS) return { items, truncated: true };
    }
  }

  // ---------------------------------------------------------------- normalising API items

  function first(obj, ...keys) {
    for (const key of keys) {
      if (obj && obj[key] !== undefined && obj[key] !== null) return obj[key];
    }
    return undefined;
  }

  /** lon/lat of an item, whether flat, nested under "location", or a GeoJSON feature. */
  function position(raw) {
    if (raw.geometry && raw.geometry.type === "Point") {
      const [lon, lat] = raw.geometry.coordinates;
      return { lon, lat };
    }
    const loc = raw.location || raw;
    const lon = first(loc, "lon", "longitude");
    const lat = first(loc, "lat", "latitude");
    return typeof lon === "number" && typeof lat === "number" ? { lon, lat } : null;
  }

  function normalise(raw, type) {
    const src = raw.properties ? Object.assign({ geometry: raw.geometry }, raw.properties) : raw;
    const verification = src.verification || src.state || {};
    const effective = src.effective || {};
    const pos = position(src);
    const kinds = (first(src, "kinds") || (src.kind ? [src.kind] : [])).slice()
      .sort((a, b) => CONTEXT_KINDS.includes(a) - CONTEXT_KINDS.includes(b));
    const level = type === "observation"
      ? "unknown"
      : first(effective, "level") || first(src, "effective_level", "level") || first(verification, "level") || "unknown";
    const responsible = first(effective, "responsible") ?? first(src, "effective_responsible", "responsible");
    const item = {
      type,
      id: String(first(src, "finding_id", "incident_id", "uid", "id") || ""),
      time: first(src, "observed_at", "start", "time"),
      end: first(src, "end", "observed_until"),
      lon: pos ? pos.lon : null,
      lat: pos ? pos.lat : null,
      level,
      kind: src.kind || kinds[0] || "",
      title: src.kind || kinds.join(" + "),
      kinds,
      zone: src.zone || "",
      zones: src.zones || (src.zone ? [src.zone] : []),
      side: src.side || "",
      responsible: responsible || "",
      oblast: src.oblast || "",
      raw: src,
    };
    // The party an item belongs to for the party filter: the party held responsible for a
    // finding, the side of the line for an incident or observation.
    item.party = type === "finding" ? item.responsible : item.side;
    return item;
  }

  // ---------------------------------------------------------------- map

  function initMap() {
    const map = L.map("map", {
      zoomControl: true,
      attributionControl: true,
      preferCanvas: false,
      minZoom: 4,
      maxZoom: 14,
      zoomSnap: 0.25,
    });
    map.attributionControl.setPrefix(false);
    map.createPane("oblasts").style.zIndex = 350;
    map.createPane("zones").style.zIndex = 360;
    map.createPane("line").style.zIndex = 370;
    map.createPane("items").style.zIndex = 450;
    map.setView([48.5, 32], 6);
    state.map = map;
    state.markerLayer = L.layerGroup([], { pane: "items" }).addTo(map);
    map.createPane("warnings").style.zIndex = 440; // under findings and incidents
    state.warningLayer = L.layerGroup([], { pane: "warnings" }).addTo(map);
  }

  const LAYER_DEFS = [
    { key: "findings", label: "Findings", on: true, data: true },
    { key: "incidents", label: "Incidents", on: true, data: true },
    { key: "observations", label: "My field reports", on: true, data: true },
    { key: "warnings", label: "Warnings", on: true, warnings: true },
    { key: "zones", label: "Agreement zones", on: true },
    { key: "line", label: "Line of contact", on: true },
    { key: "oblasts", label: "Oblast outlines", on: true },
  ];

  function visibleLayer(key) {
    const box = document.querySelector(`#layer-list input[data-layer="${key}"]`);
    return !box || box.checked;
  }

  function renderLayerList() {
    const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
    const list = $("layer-list");
    list.replaceChildren();
    for (const def of LAYER_DEFS) {
      if (def.data && !view[def.key]) continue;
      if (def.warnings && !mayReadWarnings()) continue;
      const id = `layer-${def.key}`;
      const box = h("input", { type: "checkbox", id, checked: def.on, dataset: { layer: def.key } });
      box.addEventListener("change", () => {
        if (def.warnings) renderWarnings();
        else if (def.data) renderItems();
        else toggleGeoLayer(def.key, box.checked);
      });
      list.append(h("li", {}, h("label", { class: "check", for: id }, box, def.label)));
    }
  }

  function toggleGeoLayer(key, on) {
    const layer = state.layers[key];
    if (!layer) return;
    if (on) layer.addTo(state.map);
    else layer.remove();
  }

  function zoneStyle() {
    return { pane: "zones", color: "#1d4e7a", weight: 1, dashArray: "4 3", fillColor: "#1d4e7a", fillOpacity: 0.06 };
  }

  async function loadMapLayers() {
    const layers = await api("/map/layers");
    const map = state.map;
    for (const f of layers.oblasts.features || []) {
      const p = f.properties || {};
      if (p.code) state.oblastNames[p.code] = p.name || p.code;
    }
    const oblasts = L.geoJSON(layers.oblasts, {
      pane: "oblasts",
      style: { color: "#8d99a6", weight: 0.8, fillColor: "#fbfaf6", fillOpacity: 1 },
      onEachFeature: (feature, layer) => {
        const p = feature.properties || {};
        const name = p.name || p.code || "";
        if (name) layer.bindTooltip(name, { sticky: true, direction: "top", opacity: 0.9 });
      },
    });
    const zones = L.geoJSON(layers.zones, {
      pane: "zones",
      style: zoneStyle,
      interactive: true,
      onEachFeature: (feature, layer) => {
        const p = feature.properties || {};
        layer.bindTooltip(p.label || p.id || "zone", { sticky: true, opacity: 0.9 });
      },
    });
    const line = L.geoJSON(layers.line, {
      pane: "line",
      style: { color: "#7a1f1a", weight: 2.5, opacity: 0.95 },
      onEachFeature: (_feature, layer) => layer.bindTooltip("Line of contact", { sticky: true }),
    });
    state.layers = { oblasts, zones, line };
    for (const [key, layer] of Object.entries(state.layers)) {
      if (visibleLayer(key)) layer.addTo(map);
    }
    const bounds = oblasts.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    const attribution = layers.attribution || (layers.line && layers.line.properties && layers.line.properties.attribution);
    if (attribution) map.attributionControl.addAttribution(String(attribution));

    const agreement = layers.agreement || {};
    state.agreement = agreement;
    state.parties = agreement.parties || {};
    $("agreement-label").textContent = agreement.id
      ? `${agreement.title || agreement.id} · ${agreement.id} v${agreement.version}`
      : "No agreement loaded";

    state.zones = (layers.zones.features || [])
      .map((f) => f.properties || {})
      .filter((p) => p.id)
      .map((p) => ({ id: String(p.id), label: String(p.label || p.id) }));
    const select = $("f-zone");
    for (const z of state.zones) select.append(h("option", { value: z.id }, z.label));
  }

  function markerStyle(item) {
    const colour = levelColour(item.level);
    if (item.type === "finding") {
      return { radius: 7, color: "#111", weight: 2, fillColor: colour, fillOpacity: 0.95 };
    }
    if (item.type === "observation") {
      return { radius: 5, color: "#fff", weight: 1.5, fillColor: "#36336b", fillOpacity: 0.9 };
    }
    return { radius: 4.5, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.85 };
  }

  function renderMarkers(items) {
    state.markerLayer.clearLayers();
    state.markers.clear();
    // incidents first so that findings are drawn on top of them
    const order = { observation: 0, incident: 1, finding: 2 };
    const sorted = items.slice().sort((a, b) => order[a.type] - order[b.type]);
    for (const item of sorted) {
      if (item.lat === null || item.lon === null) continue;
      const marker = L.circleMarker([item.lat, item.lon], Object.assign(markerStyle(item), {
        pane: "items",
        className: `cf-marker cf-${item.type} level-${item.level}`,
        bubblingMouseEvents: false,
      }));
      marker.bindTooltip(`${label(item.title)} · ${LEVEL_LABELS[item.level] || item.level} · ${fmtTime(item.time)}`, { direction: "top", offset: [0, -6] });
      marker.on("click", () => select(item));
      marker.addTo(state.markerLayer);
      state.markers.set(`${item.type}:${item.id}`, marker);
    }
  }

  // ---------------------------------------------------------------- filters

  function filterValues() {
    const levels = Array.from(document.querySelectorAll("#f-levels input:checked")).map((b) => b.value);
    return {
      since: $("f-since").value,
      until: $("f-until").value,
      kind: $("f-kind").value,
      zone: $("f-zone").value,
      levels,
      allLevels: levels.length === document.querySelectorAll("#f-levels input").length,
      party: $("f-party").value,
    };
  }

  /** Whether the server filters the role's lists by kind (the public list has no kind
   * parameter: the page filters it). */
  function serverFiltersKind() {
    return state.me.role !== "public";
  }

  /** Filters the server applies (time window, kind, zone) as query parameters. */
  function serverParams() {
    const f = filterValues();
    const params = {};
    if (f.since) params.since = `${f.since}T00:00:00Z`;
    if (f.until) params.until = `${addDays(f.until, 1)}T00:00:00Z`; // the "to" day is included
    if (f.kind && serverFiltersKind()) params.kind = f.kind;
    if (f.zone) params.zone = f.zone;
    return params;
  }

  /** Filters applied to what was loaded: level (several at once) and party. */
  function passesLocal(item, f) {
    if (!visibleLayer(item.type + "s")) return false;
    if (f.kind && !serverFiltersKind() && !item.kinds.includes(f.kind)) return false;
    if (item.type !== "observation" && !f.allLevels && !f.levels.includes(item.level)) return false;
    if (f.party === "-") return !item.party;
    if (f.party && item.party !== f.party) return false;
    return true;
  }

  /** The levels a role can meet (the public never sees rejected findings). */
  function levelsFor(role) {
    return role === "public" ? LEVELS.filter((l) => l !== "rejected") : LEVELS;
  }

  function renderLevelFilter() {
    const box = $("f-levels");
    const levels = levelsFor(state.me.role);
    box.replaceChildren(h("legend", {}, "Verification level"));
    for (const level of levels) {
      const id = `f-level-${level}`;
      const input = h("input", { type: "checkbox", id, name: "level", value: level, checked: true });
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = levelColour(level);
      box.append(h("label", { class: "check", for: id }, input, swatch, LEVEL_LABELS[level]));
    }
  }

  function renderPartyFilter() {
    const select = $("f-party");
    const keep = select.value;
    select.replaceChildren(h("option", { value: "" }, "All parties"));
    for (const [code, name] of Object.entries(state.parties)) {
      select.append(h("option", { value: code }, `${name} (${code})`));
    }
    select.append(h("option", { value: "-" }, "Undetermined"));
    select.value = Array.from(select.options).some((o) => o.value === keep) ? keep : "";
  }

  function rememberKinds(items) {
    const select = $("f-kind");
    let added = false;
    for (const item of items) {
      for (const kind of item.kinds) {
        if (kind && !state.kindsSeen.has(kind)) {
          state.kindsSeen.add(kind);
          added = true;
        }
      }
    }
    if (!added) return;
    const keep = select.value;
    select.replaceChildren(h("option", { value: "" }, "All kinds"));
    for (const kind of Array.from(state.kindsSeen).sort()) select.append(h("option", { value: kind }, label(kind)));
    select.value = keep;
  }

  // ---------------------------------------------------------------- loading data

  // The page is "ready" (body[data-state]) when no load is under way: tests and assistive
  // technology (aria-busy) wait on it.
  let pending = 0;

  function setBusy(busy) {
    pending = Math.max(0, pending + (busy ? 1 : -1));
    const idle = pending === 0;
    document.body.dataset.state = idle ? "ready" : "loading";
    $("main").setAttribute("aria-busy", idle ? "false" : "true");
  }

  function showBanner(message) {
    const banner = $("banner");
    banner.textContent = message || "";
    banner.hidden = !message;
  }

  async function loadItems() {
    const seq = ++state.loadSeq;
    setBusy(true);
    showBanner("");
    loadWarnings(); // same time window; counted as busy on its own
    const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
    const params = serverParams();
    const wanted = [
      ["finding", view.findings],
      ["incident", view.incidents],
      ["observation", view.observations],
    ].filter(([, path]) => path);
    try {
      const results = await Promise.all(wanted.map(([, path]) => listAll(path, params)));
      if (seq !== state.loadSeq) return; // a newer load started meanwhile
      state.items = [];
      state.truncated = [];
      results.forEach((result, i) => {
        const type = wanted[i][0];
        state.items.push(...result.items.map((raw) => normalise(raw, type)));
        if (result.truncated) state.truncated.push(type);
      });
      rememberKinds(state.items);
      renderItems();
      if (state.truncated.length) {
        showBanner(`Only the first ${MAX_ITEMS} ${state.truncated.join(" and ")}s are shown: narrow the time window.`);
      }
    } catch (error) {
      if (seq !== state.loadSeq) return;
      state.items = [];
      renderItems();
      showBanner(`Could not load the data: ${error.message}`);
    } finally {
      setBusy(false);
    }
  }

  function filteredItems() {
    const f = filterValues();
    return state.items.filter((item) => passesLocal(item, f));
  }

  function renderItems() {
    const items = filteredItems();
    renderMarkers(items);
    renderResults(items);
    renderTimeline(items);
    renderStatus(items);
    document.body.dataset.markers = String(state.markers.size);
  }

  function renderStatus(items) {
    const count = (type) => items.filter((i) => i.type === type).length;
    const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
    const parts = [];
    if (view.findings) parts.push(`${count("finding")} findings`);
    if (view.incidents) parts.push(`${count("incident")} incidents`);
    if (view.observations) parts.push(`${count("observation")} field reports`);
    const f = filterValues();
    const window = f.since || f.until ? ` · ${f.since || "…"} to ${f.until || "…"}` : " · all dates";
    $("status-line").textContent = parts.join(" · ") + window;
    const unplaced = items.filter((i) => i.lat === null).length;
    $("results-count").textContent = `${items.length} shown${unplaced ? `, ${unplaced} without a location (not on the map)` : ""}.`;
  }

  // ---------------------------------------------------------------- results list

  function renderResults(items) {
    const list = $("result-list");
    list.replaceChildren();
    const sorted = items.slice().sort((a, b) => String(b.time).localeCompare(String(a.time)));
    const shown = sorted.slice(0, 500);
    for (const item of shown) {
      const swatch = h("span", { class: `swatch${item.type === "finding" ? " finding" : ""}`, "aria-hidden": "true" });
      swatch.style.background = item.type === "observation" ? "#36336b" : levelColour(item.level);
      const typeLabel = { finding: "Finding", incident: "Incident", observation: "Field report" }[item.type];
      const meta = [typeLabel];
      if (item.type !== "observation") meta.push(LEVEL_LABELS[item.level] || item.level);
      if (item.type === "finding" && item.responsible) meta.push(`responsible ${item.responsible}`);
      if (item.zone) meta.push(item.zone);
      if (item.oblast) meta.push(oblastName(item.oblast));
      const button = h("button", {
        type: "button",
        class: "result",
        "aria-current": state.selected && state.selected.id === item.id ? "true" : "false",
        dataset: { type: item.type, id: item.id },
        onclick: () => select(item),
      },
        swatch,
        h("span", { class: "title" }, label(item.title) || "—"),
        h("span", { class: "when" }, fmtTime(item.time)),
        h("span", { class: "meta" }, meta.join(" · ")),
      );
      list.append(h("li", {}, button));
    }
    if (sorted.length > shown.length) {
      list.append(h("li", { class: "muted" }, `…and ${sorted.length - shown.length} more on the map; narrow the filters to list them.`));
    }
    if (!items.length) list.append(h("li", { class: "muted" }, "Nothing matches these filters."));
  }

  // ---------------------------------------------------------------- timeline (SVG)

  const SVG = "http://www.w3.org/2000/svg";

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
    for (const child of children) if (child) el.append(child);
    return el;
  }

  /** A round step (1, 2 or 5 times a power of ten) giving at most ``count`` steps to ``max``. */
  function niceStep(max, count) {
    const raw = max / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const m = [1, 2, 5, 10].find((k) => k * power >= raw);
    return Math.max(1, m * power);
  }

  function renderTimeline(items) {
    const box = $("timeline");
    const width = Math.max(box.clientWidth, 200);
    const height = Math.max(box.clientHeight, 80);
    const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": "Items per day by verification level" });
    box.replaceChildren(svg);
    const dated = items.filter((i) => i.time && dayOf(i.time));
    if (!dated.length) {
      svg.append(s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, document.createTextNode("No dated items in this window")));
      return;
    }
    const days = dated.map((i) => dayOf(i.time)).sort();
    const f = filterValues();
    const firstDay = f.since || days[0];
    const lastDay = f.until || days[days.length - 1];
    const span = Math.round((Date.parse(lastDay) - Date.parse(firstDay)) / 86400000) + 1;
    const step = span > 180 ? 7 : 1; // weekly bins past half a year
    const bins = [];
    for (let d = firstDay; d <= lastDay; d = addDays(d, step)) bins.push({ day: d, counts: {} });
    if (!bins.length) return;
    const index = (day) => Math.floor((Date.parse(day) - Date.parse(firstDay)) / 86400000 / step);
    const stackOrder = ["rejected", "reported", "corroborated", "confirmed", "unknown"];
    for (const item of dated) {
      const bin = bins[index(dayOf(item.time))];
      if (!bin) continue;
      const key = stackOrder.includes(item.level) ? item.level : "unknown";
      bin.counts[key] = (bin.counts[key] || 0) + 1;
    }
    const totals = bins.map((b) => Object.values(b.counts).reduce((a, c) => a + c, 0));
    const step_ = niceStep(Math.max(1, ...totals), 4);
    const max = Math.ceil(Math.max(1, ...totals) / step_) * step_;
    const m = { left: 34, right: 8, top: 6, bottom: 20 };
    const plotW = width - m.left - m.right;
    const plotH = height - m.top - m.bottom;
    const bw = Math.min(plotW / bins.length, 40); // a few days do not fill the width
    const x0 = m.left + (plotW - bw * bins.length) / 2;
    const y = (v) => m.top + plotH - (v / max) * plotH;

    const axis = s("g", { class: "axis", "aria-hidden": "true" });
    for (let v = 0; v <= max; v += step_) {
      axis.append(s("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), "stroke-dasharray": v ? "2 3" : "" }));
      axis.append(s("text", { x: m.left - 4, y: y(v) + 3, "text-anchor": "end" }, document.createTextNode(String(v))));
    }
    const labelEvery = Math.max(1, Math.ceil(bins.length / Math.max(1, Math.floor(plotW / 56))));
    bins.forEach((bin, i) => {
      if (i % labelEvery) return;
      axis.append(s("text", { x: x0 + i * bw + bw / 2, y: height - 6, "text-anchor": "middle" }, document.createTextNode(bin.day.slice(5))));
    });
    svg.append(axis);

    bins.forEach((bin, i) => {
      const total = totals[i];
      const x = x0 + i * bw;
      const parts = stackOrder.filter((k) => bin.counts[k]).map((k) => `${bin.counts[k]} ${LEVEL_LABELS[k] || k}`.toLowerCase());
      const name = `${bin.day}${step > 1 ? ` (week)` : ""}: ${total} item${total === 1 ? "" : "s"}${parts.length ? " (" + parts.join(", ") + ")" : ""}`;
      const g = s("g", { class: "bar", tabindex: total ? 0 : -1, role: "button", "aria-label": name, "data-day": bin.day });
      g.append(s("title", {}, document.createTextNode(name)));
      g.append(s("rect", { class: "hit", x: x + 0.5, y: m.top, width: Math.max(bw - 1, 1), height: plotH, fill: "transparent" }));
      let acc = 0;
      for (const key of stackOrder) {
        const n = bin.counts[key];
        if (!n) continue;
        const top = y(acc + n);
        g.append(s("rect", { x: x + Math.min(2, bw * 0.15), y: top, width: Math.max(bw - 2 * Math.min(2, bw * 0.15), 1), height: y(acc) - top, fill: levelColour(key) }));
        acc += n;
      }
      const choose = () => {
        $("f-since").value = bin.day;
        $("f-until").value = step > 1 ? addDays(bin.day, step - 1) : bin.day;
        loadItems();
      };
      g.addEventListener("click", choose);
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          choose();
        }
      });
      svg.append(g);
    });
  }

  // ---------------------------------------------------------------- warnings

  function mayReadWarnings() {
    return WARNING_READERS.includes(state.me.role);
  }

  /** A lead time in words, as the report writes it: "24 h", "27.8 h", "30 min". */
  function leadText(seconds) {
    if (typeof seconds !== "number") return "—";
    if (Math.abs(seconds) >= 3600) return `${Math.round(seconds / 360) / 10} h`;
    return `${Math.round(seconds / 60)} min`;
  }

  function percent(p) {
    return `${Math.round(100 * p)} %`;
  }

  function numberText(v) {
    if (typeof v !== "number") return "—";
    return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, "");
  }

  function warningColour(p) {
    return cssVar(p >= 0.6 ? "--warning-high" : p >= 0.3 ? "--warning-mid" : "--warning-low");
  }

  function warningArea(w) {
    return w.area_name && w.area_name !== w.area_id ? `${w.area_name} (${w.area_id})` : String(w.area_id);
  }

  /** The warnings valid in the time window, for the roles that may read them; the page
   * never asks for them otherwise (the server would refuse). */
  async function loadWarnings() {
    const seq = ++state.warningSeq;
    const readers = mayReadWarnings();
    $("warnings-panel").hidden = !readers;
    if (!readers) {
      state.warnings = [];
      renderWarnings();
      return;
    }
    setBusy(true);
    try {
      const window = serverParams();
      const params = {};
      if (window.since) params.since = window.since;
      if (window.until) params.until = window.until;
      const { items } = await listAll("/warnings", params);
      if (seq === state.warningSeq) state.warnings = items;
    } catch (error) {
      if (seq === state.warningSeq) {
        state.warnings = [];
        showBanner(`Could not load the warnings: ${error.message}`);
      }
    } finally {
      if (seq === state.warningSeq) renderWarnings();
      setBusy(false);
    }
  }

  function renderWarnings() {
    state.warningLayer.clearLayers();
    state.warningMarkers.clear();
    const list = $("warning-list");
    list.replaceChildren();
    const readers = mayReadWarnings();
    const onMap = readers && visibleLayer("warnings");
    // most likely first, then by start of validity
    const sorted = state.warnings.slice().sort((a, b) =>
      b.probability - a.probability
      || String(a.valid_from).localeCompare(String(b.valid_from))
      || String(a.warning_id).localeCompare(String(b.warning_id)));
    for (const w of sorted) {
      const colour = warningColour(w.probability);
      if (onMap && typeof w.lat === "number" && typeof w.lon === "number") {
        const marker = L.circleMarker([w.lat, w.lon], {
          pane: "warnings",
          radius: 8 + 14 * w.probability,
          color: colour,
          weight: 2.5,
          dashArray: "5 3",
          fillColor: colour,
          fillOpacity: 0.15,
          className: `cf-warning event-${w.event}`,
          bubblingMouseEvents: false,
        });
        marker.bindTooltip(`Warning: ${label(w.event)} · ${warningArea(w)} · ${percent(w.probability)} · from ${fmtTime(w.valid_from)}`, { direction: "top" });
        marker.on("click", () => selectWarning(w));
        marker.addTo(state.warningLayer);
        state.warningMarkers.set(w.warning_id, marker);
      }
      const swatch = h("span", { class: "swatch warning", "aria-hidden": "true" });
      swatch.style.borderColor = colour;
      const placed = typeof w.lat === "number" ? "" : " · not on the map (no point)";
      list.append(h("li", {}, h("button", {
        type: "button",
        class: "warning-item",
        dataset: { id: w.warning_id },
        onclick: () => selectWarning(w),
      },
        swatch,
        h("span", { class: "title" }, `${label(w.event)} · ${warningArea(w)}`),
        h("span", { class: "prob" }, percent(w.probability)),
        h("span", { class: "meta" }, `${fmtTime(w.valid_from)} – ${fmtTime(w.valid_to)} · lead ${leadText(w.lead_time_s)} · ${label(w.signal)}${placed}`),
      )));
    }
    if (readers && !sorted.length) list.append(h("li", { class: "muted" }, "No warnings valid in this window."));
    document.body.dataset.warnings = String(state.warningMarkers.size);
  }

  function driversTable(drivers) {
    if (!drivers || !drivers.length) return h("p", { class: "muted" }, "No driving signals recorded.");
    return h("table", { class: "warning-drivers" },
      h("thead", {}, h("tr", {}, ["Signal", "Area", "Latest", "Expected", "Why"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, drivers.map((d) => h("tr", {},
        h("td", {}, label(d.signal)),
        h("td", {}, d.area_id),
        h("td", {}, numberText(d.value)),
        h("td", {}, typeof d.expected === "number" ? d.expected.toFixed(1) : "—"),
        h("td", {}, d.note || ""),
      ))),
    );
  }

  function selectWarning(w) {
    state.selected = null;
    for (const b of document.querySelectorAll(".warning-item")) {
      b.setAttribute("aria-current", b.dataset.id === w.warning_id ? "true" : "false");
    }
    const marker = state.warningMarkers.get(w.warning_id);
    if (marker) marker.bringToFront();
    $("detail-h").textContent = `Warning: ${label(w.event)} in ${warningArea(w)}`;
    $("detail-body").replaceChildren(
      dl([
        ["Id", h("span", { class: "mono" }, w.warning_id)],
        ["Event", `${label(w.event)} (${label(w.signal)})`],
        ["Area", warningArea(w)],
        ["Probability", percent(w.probability)],
        ["Valid (UTC)", `${fmtTime(w.valid_from)} – ${fmtTime(w.valid_to)}`],
        ["Issued (UTC)", fmtTime(w.issued_at)],
        ["Lead time", leadText(w.lead_time_s)],
        ["Expected count", `${numberText(w.expected_count)}; the event is ${numberText(w.threshold)} or more`],
        ["Model", w.model],
        ["Ledger leaf", w.leaf_index],
      ]),
      h("h3", {}, "What drove it"),
      driversTable(w.drivers),
      h("p", { class: "hint" }, "A warning is a forecast, not a finding."),
    );
    showDetail(true);
  }

  // ---------------------------------------------------------------- detail panel

  async function select(item) {
    state.selected = item;
    for (const b of document.querySelectorAll(".result")) {
      b.setAttribute("aria-current", b.dataset.id === item.id && b.dataset.type === item.type ? "true" : "false");
    }
    const marker = state.markers.get(`${item.type}:${item.id}`);
    if (marker) marker.bringToFront();
    const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
    let full = item.raw;
    const body = $("detail-body");
    body.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    showDetail(true);
    if (view.detail && (item.type === "finding" || item.type === "incident")) {
      try {
        full = await api(`/${item.type}s/${encodeURIComponent(item.id)}`);
      } catch (error) {
        body.replaceChildren(h("p", { class: "form-error" }, `Could not load the details: ${error.message}`));
        return;
      }
    }
    if (state.selected !== item) return;
    renderDetail(item, full);
  }

  function showDetail(on) {
    $("detail").hidden = !on;
    $("results").hidden = on;
    if (on) $("detail").focus();
  }

  function responsibleText(party, confidence) {
    if (!party) return "undetermined";
    return typeof confidence === "number" ? `${partyName(party)}, confidence ${confidence.toFixed(2)}` : partyName(party);
  }

  function formatMetres(m) {
    return m >= 1000 ? `${(m / 1000).toFixed(m % 1000 ? 1 : 0)} km` : `${Math.round(m)} m`;
  }

  /** Sources as a list of names, or as counts by source type (the public view). */
  function sourcesText(sources) {
    if (!sources) return "";
    if (Array.isArray(sources)) return sources.join(", ");
    return Object.entries(sources).map(([name, n]) => `${name} × ${n}`).join(", ");
  }

  function dl(rows) {
    const list = h("dl", {});
    for (const [term, value] of rows) {
      if (value === undefined || value === null || value === "") continue;
      list.append(h("dt", {}, term), h("dd", {}, value));
    }
    return list;
  }

  function evidenceTable(evidence) {
    if (!evidence || !evidence.length) return h("p", { class: "muted" }, "No evidence listed for your role.");
    const rows = evidence.map((e) => {
      if (Array.isArray(e)) return { source: String(e[0]).split(":")[0], id: e[0], role: e[1] };
      const id = first(e, "uid", "ref", "id", "observation") || "—";
      const source = first(e, "source", "source_type", "channel") || String(id).split(":")[0];
      return { source, id, role: first(e, "role") || "" };
    });
    return h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Source"), h("th", { scope: "col" }, "Reference"), h("th", { scope: "col" }, "Role"))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.source), h("td", { class: "mono" }, r.id), h("td", {}, r.role)))),
    );
  }

  function entries(list, kind) {
    if (!list || !list.length) return h("p", { class: "muted" }, kind === "decision" ? "No decisions yet." : "No replies visible to you.");
    return h("div", {}, list.map((e) => {
      if (kind === "decision") {
        const head = `${fmtTime(first(e, "decided_at", "at"))} · ${first(e, "analyst", "by") || ""} · ${label(e.action)}${e.party ? " " + e.party : ""}`;
        return h("div", { class: "entry decision" }, h("div", { class: "entry-head" }, head), h("p", {}, e.reason || ""));
      }
      const head = `${fmtTime(first(e, "replied_at", "at"))} · ${partyName(e.party)}${e.author ? " · " + e.author : ""}`;
      return h("div", { class: "entry reply", dataset: { party: e.party || "" } }, h("div", { class: "entry-head" }, head), h("p", {}, e.text || ""));
    }));
  }

  function renderDetail(item, raw) {
    const src = raw.properties ? Object.assign({ geometry: raw.geometry }, raw.properties) : raw;
    const fresh = normalise(raw, item.type);
    const body = $("detail-body");
    const typeLabel = { finding: "Finding", incident: "Incident", observation: "Field report" }[item.type];
    $("detail-h").textContent = `${typeLabel}: ${label(fresh.title || item.title)}`;
    const pill = h("span", { class: "pill", dataset: { level: fresh.level } }, LEVEL_LABELS[fresh.level] || fresh.level);
    const verification = src.verification || {};
    const effective = src.effective || {};
    const place = fresh.lat !== null ? `${fresh.lat.toFixed(4)}, ${fresh.lon.toFixed(4)}` : "not located";
    const uncertainty = first(src, "uncertainty_m", "grid_m");
    const confidence = first(effective, "confidence") ?? src.confidence;
    const rows = [
      ["Level", pill],
      ["Id", h("span", { class: "mono" }, fresh.id)],
      ["Time (UTC)", fresh.end && fresh.end !== fresh.time ? `${fmtTime(fresh.time)} – ${fmtTime(fresh.end)}` : fmtTime(fresh.time)],
      ["Kinds", fresh.kinds.length > 1 ? fresh.kinds.map(label).join(", ") : ""],
      ["Rule", first(src, "rule_id", "rule")],
      ["Severity", src.severity],
      ["Zone", fresh.zones.length ? fresh.zones.join(", ") : ""],
      ["Location", src.grid_m ? `${place} (centre of a ${formatMetres(src.grid_m)} grid cell)` : uncertainty ? `${place} (± ${formatMetres(uncertainty)})` : place],
      ["Oblast", fresh.oblast ? oblastName(fresh.oblast) : ""],
      ["Side of line", fresh.side ? partyName(fresh.side) : ""],
      ["Distance to line", typeof src.signed_distance_m === "number" ? `${(src.signed_distance_m / 1000).toFixed(1)} km` : ""],
      ["Responsible", item.type === "finding" ? responsibleText(fresh.responsible, confidence) : ""],
      ["Grade", first(src, "grade") || first(verification, "grade")],
      ["Sources", sourcesText(src.sources)],
      ["Members", src.members],
      ["Incident", src.incident_id],
      ["Agreement", first(src, "agreement", "agreement_version")],
    ];
    body.replaceChildren(dl(rows));

    const reasons = [].concat(src.reasons || verification.reasons || [], effective.reasons || []);
    if (reasons.length) {
      body.append(h("h3", {}, "Reasons"), h("ul", { class: "reasons" }, reasons.map((r) => h("li", {}, r))));
    }
    const evidence = first(src, "evidence", "member_uids", "members_list");
    if (evidence !== undefined || item.type === "finding") {
      body.append(h("h3", {}, "Evidence"), evidenceTable(Array.isArray(evidence) ? evidence : []));
    }
    if (item.type === "finding") {
      if (src.decisions !== undefined) body.append(h("h3", {}, "Decisions"), entries(src.decisions, "decision"));
      if (src.replies !== undefined) body.append(h("h3", {}, "Replies"), entries(src.replies, "reply"));
      const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
      if (view.decide) body.append(decisionForm(fresh));
      if (view.reply && concernsMyParty(fresh)) body.append(replyForm(fresh));
    }
  }

  function concernsMyParty(item) {
    const party = state.me.party;
    return Boolean(party) && (item.responsible === party || item.side === party);
  }

  function decisionForm(item) {
    const error = h("p", { class: "form-error", role: "alert" });
    const partyRow = h("div", { class: "field", hidden: true },
      h("label", { for: "decision-party" }, "Party held responsible"),
      h("select", { id: "decision-party", name: "party" }, Object.entries(state.parties).map(([c, n]) => h("option", { value: c }, `${n} (${c})`))),
    );
    const action = h("select", { id: "decision-action", name: "action" },
      h("option", { value: "confirm" }, "Confirm"),
      h("option", { value: "reject" }, "Reject"),
      h("option", { value: "attribute" }, "Attribute to a party"),
    );
    action.addEventListener("change", () => { partyRow.hidden = action.value !== "attribute"; });
    const reason = h("textarea", { id: "decision-reason", name: "reason", required: true, maxlength: 2000 });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Record decision");
    const form = h("form", { id: "decision-form", "aria-labelledby": "decision-h" },
      h("h3", { id: "decision-h" }, "Record a decision"),
      h("div", { class: "field" }, h("label", { for: "decision-action" }, "Decision"), action),
      partyRow,
      h("div", { class: "field" }, h("label", { for: "decision-reason" }, "Reason (kept in the record)"), reason),
      error,
      h("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      const payload = { action: action.value, reason: reason.value };
      if (action.value === "attribute") payload.party = $("decision-party").value;
      submit.disabled = true;
      try {
        await api(`/findings/${encodeURIComponent(item.id)}/decisions`, { method: "POST", json: payload });
        await loadItems();
        const again = state.items.find((i) => i.type === "finding" && i.id === item.id) || item;
        await select(again);
      } catch (err) {
        error.textContent = fieldMessages(err);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  function replyForm(item) {
    const error = h("p", { class: "form-error", role: "alert" });
    const text = h("textarea", { id: "reply-text", name: "text", required: true, maxlength: 4000 });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Send reply");
    const form = h("form", { id: "reply-form", "aria-labelledby": "reply-h" },
      h("h3", { id: "reply-h" }, `Reply for ${partyName(state.me.party)}`),
      h("p", { class: "hint" }, "Your party's right of reply: kept verbatim in the record and never shown to the other party."),
      h("div", { class: "field" }, h("label", { for: "reply-text" }, "Reply"), text),
      error,
      h("div", { class: "actions" }, submit),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      error.textContent = "";
      submit.disabled = true;
      try {
        await api(`/findings/${encodeURIComponent(item.id)}/replies`, { method: "POST", json: { text: text.value } });
        await select(item);
      } catch (err) {
        error.textContent = fieldMessages(err);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  function fieldMessages(err) {
    const fields = (err.fields || []).map((f) => `${f.field}: ${f.message}`);
    return [err.message].concat(fields).join(" · ");
  }

  // ---------------------------------------------------------------- reports and exports

  async function loadReports() {
    const list = $("report-list");
    try {
      const { items } = await listAll("/reports", {});
      list.replaceChildren();
      if (!items.length) list.append(h("li", { class: "muted" }, "No reports published yet."));
      const newest = items.slice().sort((a, b) => String(b.window_start).localeCompare(String(a.window_start)));
      for (const report of newest) {
        const day = dayOf(report.window_start) || report.name;
        const files = (report.files || []).filter((f) => /\.(html|pdf|md)$/.test(f));
        const span = Date.parse(report.window_end) - Date.parse(report.window_start);
        const name = span === 86400000 ? day : `${day} – ${dayOf(new Date(Date.parse(report.window_end) - 1).toISOString())}`;
        list.append(h("li", { title: report.title || report.name },
          h("span", {}, name),
          h("span", { class: "formats" }, files.map((file) => reportLink(file, name))),
        ));
      }
    } catch (error) {
      list.replaceChildren(h("li", { class: "muted" }, `Reports unavailable: ${error.message}`));
    }
  }

  function reportLink(file, name) {
    const fmt = file.split(".").pop();
    const path = `/reports/${encodeURIComponent(file)}`;
    const a = h("a", { href: API + path, target: "_blank", rel: "noopener", "aria-label": `Report ${name}, ${fmt.toUpperCase()}` }, fmt.toUpperCase());
    // Signed in, the report is fetched with the token: each role gets its own rendition.
    a.addEventListener("click", async (e) => {
      if (!token()) return;
      e.preventDefault();
      try {
        await download(path, file, fmt !== "md");
      } catch (error) {
        showBanner(`Could not open the report: ${error.message}`);
      }
    });
    return a;
  }

  async function download(path, filename, open) {
    const response = await api(path, { raw: true, headers: { Accept: "*/*" } });
    const url = URL.createObjectURL(await response.blob());
    const a = h("a", { href: url, download: open ? null : filename, target: open ? "_blank" : null, rel: "noopener" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function wireExports() {
    for (const button of document.querySelectorAll("[data-export]")) {
      button.addEventListener("click", async () => {
        const query = new URLSearchParams(serverParams());
        try {
          await download(`${button.dataset.export}?${query}`, button.dataset.filename, false);
        } catch (error) {
          showBanner(`Export failed: ${error.message}`);
        }
      });
    }
  }

  // ---------------------------------------------------------------- identity

  async function loadIdentity() {
    try {
      state.me = await api("/me");
    } catch (error) {
      if (error.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        showBanner("Your token was not accepted (revoked or mistyped); you see the public view.");
        state.me = await api("/me");
      } else {
        throw error;
      }
    }
    const me = state.me;
    document.body.dataset.role = me.role;
    const signedIn = me.role !== "public";
    $("identity-name").textContent = signedIn ? me.name : "Public view";
    const badge = $("role-badge");
    badge.dataset.role = me.role;
    badge.textContent = me.party ? `${me.role} · ${me.party}` : me.role;
    $("signin-open").hidden = signedIn;
    $("signout").hidden = !signedIn;
    $("exports-panel").hidden = !(ROLE_VIEWS[me.role] || {}).exports;
    $("results-h").textContent = {
      public: "Published findings",
      monitor: "My field reports",
      liaison: `Findings concerning ${me.party || "your party"}`,
      guarantor: "Corroborated and confirmed findings",
    }[me.role] || "Findings and incidents";
  }

  function wireSignIn() {
    const dialog = $("signin-dialog");
    const input = $("signin-token");
    const error = $("signin-error");
    $("signin-open").addEventListener("click", () => {
      error.textContent = "";
      input.value = "";
      dialog.showModal();
      input.focus();
    });
    $("signin-cancel").addEventListener("click", () => dialog.close());
    $("signin-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = input.value.trim();
      const previous = token();
      sessionStorage.setItem(TOKEN_KEY, value);
      try {
        const me = await api("/me");
        if (me.role === "public") throw new Error("that token gives no more than the public view");
      } catch (err) {
        if (previous) sessionStorage.setItem(TOKEN_KEY, previous);
        else sessionStorage.removeItem(TOKEN_KEY);
        error.textContent = err.status === 401 ? "This token was not accepted: it is unknown or revoked." : `Sign-in failed: ${err.message}`;
        return;
      }
      dialog.close();
      await start();
    });
    $("signout").addEventListener("click", async () => {
      sessionStorage.removeItem(TOKEN_KEY);
      await start();
    });
  }

  function renderLegend() {
    const view = ROLE_VIEWS[state.me.role] || ROLE_VIEWS.public;
    const legend = $("legend");
    const levels = levelsFor(state.me.role);
    const levelItems = levels.map((level) => {
      const sw = h("span", { class: "swatch", "aria-hidden": "true" });
      sw.style.background = levelColour(level);
      return h("li", {}, sw, LEVEL_LABELS[level]);
    });
    const shapes = [];
    if (view.findings) shapes.push(h("li", {}, h("span", { class: "swatch finding", "aria-hidden": "true" }), "Finding (outlined)"));
    if (view.incidents) shapes.push(h("li", {}, h("span", { class: "swatch", "aria-hidden": "true" }), "Incident"));
    legend.replaceChildren(
      h("h3", {}, "Verification"), h("ul", {}, levelItems),
      shapes.length ? h("ul", {}, shapes) : null,
      h("h3", {}, "Map"),
      h("ul", {},
        h("li", {}, h("span", { class: "swatch line", "aria-hidden": "true" }), "Line of contact"),
        h("li", {}, h("span", { class: "swatch zone", "aria-hidden": "true" }), "Agreement zone"),
        mayReadWarnings() ? h("li", {}, h("span", { class: "swatch warning", "aria-hidden": "true" }), "Warning (size, colour: probability)") : null,
      ),
    );
  }

  // ---------------------------------------------------------------- start-up

  async function start() {
    setBusy(true);
    state.selected = null;
    showDetail(false);
    try {
      await loadIdentity();
      renderLayerList();
      renderLevelFilter();
      renderLegend();
      renderPartyFilter();
      await Promise.all([loadItems(), loadReports()]);
    } catch (error) {
      showBanner(`The server did not answer: ${error.message}`);
    } finally {
      setBusy(false);
    }
  }

  function wireFilters() {
    for (const id of ["f-since", "f-until", "f-zone"]) $(id).addEventListener("change", loadItems);
    $("f-kind").addEventListener("change", () => (serverFiltersKind() ? loadItems() : renderItems()));
    $("f-party").addEventListener("change", renderItems);
    $("f-levels").addEventListener("change", renderItems);
    // The form clears its fields only after this event: load on the next tick, but count
    // as busy from now on, so nobody reads the old markers as the reset ones.
    $("filters").addEventListener("reset", () => {
      setBusy(true);
      setTimeout(async () => {
        try {
          renderLevelFilter();
          await loadItems();
        } finally {
          setBusy(false);
        }
      }, 0);
    });
    $("filters").addEventListener("submit", (e) => e.preventDefault());
    $("detail-close").addEventListener("click", () => {
      showDetail(false);
      state.selected = null;
      $("results").focus();
    });
    let resizeTimer = null;
    new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => renderTimeline(filteredItems()), 100);
    }).observe($("timeline"));
  }

  async function boot() {
    initMap();
    wireFilters();
    wireSignIn();
    wireExports();
    try {
      await loadMapLayers();
    } catch (error) {
      showBanner(`Map layers unavailable: ${error.message}`);
    }
    await start();
  }

  // A read-only view of what is drawn, for diagnostics and the browser tests.
  window.ceasefireDashboard = Object.freeze({
    markers: () => Array.from(state.markers.entries()).map(([key, m]) => {
      const ll = m.getLatLng();
      return { key, lat: ll.lat, lon: ll.lng };
    }),
    role: () => state.me.role,
    warnings: () => Array.from(state.warningMarkers.keys()),
  });

  document.addEventListener("DOMContentLoaded", boot);
})();
