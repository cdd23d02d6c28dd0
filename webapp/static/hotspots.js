/* The hotspot registry editor: draws the hotspots from /api/hotspots on the Folium map,
 * and adds, edits, retires and moves access points through the same API.
 * Every user text reaches the page through textContent, never as HTML. */
(function () {
  "use strict";

  const FIELDS = ["name", "category", "risk", "service_min", "checks_per_night", "district",
                  "window_start", "window_end", "skill"];
  const NUMBERS = new Set(["risk", "service_min", "checks_per_night"]);
  const FIELD_LABELS = {
    name: "名称 name", category: "类别 category", risk: "风险 risk",
    service_min: "检查分钟 service min", checks_per_night: "每夜次数 checks per night",
    district: "区域 district", window_start: "时间窗起 window from", window_end: "时间窗止 window to",
    skill: "专长 skill", geometry: "形状 shape", access: "进入点 access point",
    access_lon: "进入点经度 access lon", access_lat: "进入点纬度 access lat",
    access_manual: "手动进入点 access set by hand", sweep_m: "巡查长度 sweep m",
    active: "在用 active", retired_at: "撤销时间 retired at",
  };
  const ACTIONS = {
    add: "新增 added", update: "修改 edited", access: "移动进入点 access moved",
    retire: "撤销 retired", restore: "恢复 restored", import: "导入 imported",
  };
  // Geoman's drawing hints in both languages.
  const DRAW_HINTS = {
    tooltips: {
      placeCircleMarker: "单击放置点位 Click to place the point",
      firstVertex: "单击放置第一个顶点 Click to place the first vertex",
      continueLine: "单击继续 Click to continue",
      finishLine: "单击最后一个顶点完成 Click the last vertex to finish",
      finishPoly: "单击第一个顶点完成 Click the first vertex to finish",
    },
  };

  const root = document.getElementById("hotspot-editor");
  const map = window[root.dataset.map];
  const apiBase = root.dataset.api;
  // On Amap or Baidu tiles the map is drawn in their datum; the API converts both ways.
  const datum = root.dataset.datum || "wgs84";
  const categories = JSON.parse(document.getElementById("hotspot-categories").textContent);
  const form = document.getElementById("hotspot-form");
  const filters = document.getElementById("filters");
  const statusLine = document.getElementById("status");
  const historyBox = document.getElementById("history");

  const shapes = L.featureGroup().addTo(map);
  const accessPoints = L.layerGroup().addTo(map);
  const byId = new Map();  // hotspot id -> {feature, layer, access}
  let selected = null;     // the entry being edited
  let draft = null;        // a shape drawn but not yet saved
  let geometryEdited = false;
  let framed = false;      // the first load puts every hotspot in view

  map.pm.setLang("zh_en", DRAW_HINTS, "en");
  map.pm.setGlobalOptions({snappable: false, allowSelfIntersection: false});

  // ---- talking to the API ----

  // Sent with every request: changes need the page's CSRF token (webapp/auth.py).
  const csrfToken = document.querySelector("meta[name=csrf-token]").content;

  async function send(method, url, body) {
    const options = {method: method, headers: {"Accept": "application/json", "X-CSRFToken": csrfToken}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);  // the server records who is signed in
    }
    const target = new URL(url, window.location.href);
    if (datum !== "wgs84") {
      target.searchParams.set("datum", datum);
    }
    const response = await fetch(target, options);
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw Object.assign(new Error(error.message || response.statusText),
                          {fields: error.fields || {},
                           repaired: (error.repaired && error.repaired.geometry) || null});
    }
    return data;
  }

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status " + (kind || "");
  }

  // ---- drawing the hotspots ----

  function filterQuery() {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(filters)) {
      if (value !== "") {
        params.set(key, value);
      }
    }
    return params.toString();
  }

  async function load(selectId) {
    let data;
    try {
      data = await send("GET", apiBase + "?" + filterQuery());
    } catch (err) {
      say(err.message, "error");
      return;
    }
    const next = selectId !== undefined ? selectId : (selected && selected.feature.properties.id);
    closeForm();
    shapes.clearLayers();
    accessPoints.clearLayers();
    byId.clear();
    data.features.forEach(drawHotspot);
    say(data.features.length + " 个点位 hotspots");
    if (!framed && data.features.length) {
      map.invalidateSize();
      map.fitBounds(shapes.getBounds(), {padding: [24, 24], maxZoom: 17});
      framed = true;  // later loads keep the dispatcher's own view
    }
    if (next !== undefined && next !== null && byId.has(next)) {
      select(byId.get(next));
    }
  }

  function styleOf(props, highlight) {
    return {
      color: props.active ? props.color : "#757575", weight: highlight ? 5 : 3,
      opacity: 0.95, fillColor: props.color, fillOpacity: props.active ? 0.3 : 0.1,
      dashArray: props.active ? null : "6 4",
    };
  }

  function textTooltip(lines) {
    const box = document.createElement("div");
    box.textContent = lines.filter(Boolean).join("\n");
    return box;
  }

  function drawHotspot(feature) {
    const props = feature.properties;
    const group = L.geoJSON(feature, {
      pane: props.pane,
      style: function () { return styleOf(props, false); },
      pointToLayer: function (_f, latlng) {
        return L.circleMarker(latlng, Object.assign({radius: 8, pane: props.pane},
                                                   styleOf(props, false)));
      },
    });
    const layer = group.getLayers()[0];
    layer.feature = feature;
    layer.bindTooltip(textTooltip([props.name, props.category_label,
                                   props.active ? "" : "已撤销 Retired"]),
                      {sticky: true, className: "hotspot-name"});
    const access = L.marker([props.access[1], props.access[0]], {
      icon: L.divIcon({className: "access-icon", iconSize: [12, 12]}),
      draggable: false, autoPan: true, keyboard: false, title: "进入点 Access point",
    });  // made draggable only while its hotspot is selected
    access.bindTooltip(textTooltip(["进入点 Access point", props.name]));
    const entry = {feature: feature, layer: layer, access: access};
    layer.on("click", function () { select(entry); });
    layer.on("pm:edit pm:dragend", function () { geometryEdited = selected === entry || geometryEdited; });
    access.on("dragend", function () { moveAccess(entry); });
    shapes.addLayer(layer);
    accessPoints.addLayer(access);
    byId.set(props.id, entry);
  }

  // ---- the form ----

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
    form.querySelectorAll(".invalid").forEach(function (el) { el.classList.remove("invalid"); });
  }

  function showErrors(err) {
    clearErrors();
    const fields = err.fields || {};
    const unplaced = [];
    Object.keys(fields).forEach(function (name) {
      const slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
      if (slot) {
        slot.textContent = fields[name];
        const input = form.elements[name];
        if (input) {
          input.classList.add("invalid");
        }
      } else {
        unplaced.push((FIELD_LABELS[name] || name) + ": " + fields[name]);
      }
    });
    if (unplaced.length) {
      form.querySelector('[data-error-for="geometry"]').textContent = unplaced.join("; ");
    }
    say("未保存，请修改标红的项 Not saved: " + err.message, "error");
    if (err.repaired) {
      offerRepair(err.repaired);
    }
  }

  function offerRepair(repaired) {
    const slot = form.querySelector('[data-error-for="geometry"]');
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "使用修复后的形状 Use the repaired shape";
    button.addEventListener("click", function () {
      const target = draft || (selected && selected.layer);
      if (!target) {
        return;
      }
      const fresh = L.geoJSON(repaired).getLayers()[0];
      target.pm.disable();
      target.setLatLngs(fresh.getLatLngs());
      target.pm.enable();
      geometryEdited = true;
      button.remove();
      say("已替换为修复后的形状，请保存 Shape repaired: save to keep it", "ok");
    });
    slot.appendChild(document.createTextNode(" "));
    slot.appendChild(button);
  }

  function fillForm(props) {
    FIELDS.forEach(function (name) {
      const value = props[name];
      form.elements[name].value = value === null || value === undefined ? "" : String(value);
    });
  }

  function formValues() {
    const values = {};
    FIELDS.forEach(function (name) {
      const raw = form.elements[name].value.trim();
      values[name] = raw === "" ? null : (NUMBERS.has(name) ? Number(raw) : raw);
    });
    return values;
  }

  function openForm(title, isNew) {
    clearErrors();
    historyBox.hidden = true;
    document.getElementById("form-title").textContent = title;
    form.classList.toggle("new", isNew);
    form.hidden = false;
  }

  function closeForm() {
    if (selected) {
      selected.layer.pm.disable();
      selected.access.dragging.disable();
      selected.access.getElement().classList.remove("movable");
      if (selected.layer.setStyle) {
        selected.layer.setStyle(styleOf(selected.feature.properties, false));
      }
    }
    if (draft) {
      map.removeLayer(draft);
    }
    selected = null;
    draft = null;
    geometryEdited = false;
    form.hidden = true;
  }

  function select(entry) {
    if (draft || map.pm.globalDrawModeEnabled()) {
      return;  // finish or cancel the new hotspot first
    }
    closeForm();
    selected = entry;
    const props = entry.feature.properties;
    fillForm(props);
    openForm(props.name + (props.active ? "" : " · 已撤销 Retired"), false);
    document.getElementById("retire").hidden = !props.active;
    document.getElementById("restore").hidden = props.active;
    if (entry.layer.setStyle) {
      entry.layer.setStyle(styleOf(props, true));
    }
    if (props.active && entry.layer.pm) {
      entry.layer.pm.enable({allowSelfIntersection: false, draggable: true});
    }
    if (props.active) {
      entry.access.dragging.enable();
      entry.access.getElement().classList.add("movable");
    }
    say("编辑 Editing: " + props.name + " — 拖动顶点修改形状 drag vertices to reshape", "ok");
  }

  function startDrawing(shape) {
    closeForm();
    map.pm.enableDraw(shape, {allowSelfIntersection: false});
    say("在地图上绘制 Draw on the map", "ok");
  }

  map.on("pm:create", function (e) {
    draft = e.layer;
    geometryEdited = true;
    draft.pm.enable({allowSelfIntersection: false});
    form.reset();
    const first = categories[0];
    if (first) {
      fillForm({category: first.key, risk: first.risk});
    }
    openForm("新点位 New hotspot", true);
    form.elements.name.focus();
    say("填写信息后保存 Fill in the form and save", "ok");
  });

  function geometryOf(layer) {
    return layer.toGeoJSON(false).geometry;
  }

  function changedValues(entry) {
    const before = entry.feature.properties;
    const now = formValues();
    const changes = {};
    FIELDS.forEach(function (name) {
      const old = before[name] === undefined ? null : before[name];
      if (now[name] !== old) {
        changes[name] = now[name];
      }
    });
    if (geometryEdited) {
      changes.geometry = geometryOf(entry.layer);
    }
    return changes;
  }

  async function save(event) {
    event.preventDefault();
    try {
      if (draft) {
        const body = Object.assign(formValues(), {geometry: geometryOf(draft)});
        ["service_min", "checks_per_night"].forEach(function (n) {
          if (body[n] === null) { delete body[n]; }  // the category's defaults
        });
        const created = await send("POST", apiBase, body);
        map.removeLayer(draft);
        draft = null;
        rememberDistrict(created.properties.district);
        await load(created.properties.id);
        say("已保存 Saved: " + created.properties.name, "ok");
      } else if (selected) {
        const changes = changedValues(selected);
        if (Object.keys(changes).length === 0) {
          say("没有修改 Nothing changed", "ok");
          return;
        }
        const updated = await send("PATCH", apiBase + "/" + selected.feature.properties.id, changes);
        rememberDistrict(updated.properties.district);
        await load(updated.properties.id);
        say("已保存 Saved: " + updated.properties.name, "ok");
      }
    } catch (err) {
      showErrors(err);
    }
  }

  async function retire() {
    const props = selected.feature.properties;
    if (!window.confirm("撤销点位「" + props.name + "」？它仍保留在过去的计划和统计中。\n" +
                        "Retire " + props.name + "? It stays in past plans and statistics.")) {
      return;
    }
    try {
      await send("POST", apiBase + "/" + props.id + "/retire", {});
      await load(null);
      say("已撤销 Retired: " + props.name, "ok");
    } catch (err) {
      showErrors(err);
    }
  }

  async function restore() {
    const props = selected.feature.properties;
    try {
      await send("POST", apiBase + "/" + props.id + "/restore", {});
      await load(props.id);
      say("已恢复 Restored: " + props.name, "ok");
    } catch (err) {
      showErrors(err);
    }
  }

  async function moveAccess(entry) {
    const props = entry.feature.properties;
    const at = entry.access.getLatLng();
    try {
      const updated = await send("PUT", apiBase + "/" + props.id + "/access",
                                 {lon: at.lng, lat: at.lat});
      entry.feature.properties.access = updated.properties.access;
      say("进入点已移动 Access point moved: " + props.name, "ok");
    } catch (err) {
      entry.access.setLatLng([props.access[1], props.access[0]]);
      showErrors(err);
    }
  }

  function describeChange(change) {
    const parts = Object.keys(change.changes || {}).map(function (name) {
      const pair = change.changes[name];
      const label = FIELD_LABELS[name] || name;
      if (name === "geometry" || name === "access") {
        return label;
      }
      return label + ": " + (pair[0] === null ? "—" : pair[0]) + " → " +
        (pair[1] === null ? "—" : pair[1]);
    });
    return [ACTIONS[change.action] || change.action].concat(parts).join("; ");
  }

  async function showHistory() {
    const props = selected.feature.properties;
    let data;
    try {
      data = await send("GET", apiBase + "/" + props.id + "/history");
    } catch (err) {
      say(err.message, "error");
      return;
    }
    const body = historyBox.querySelector("tbody");
    body.replaceChildren();
    data.changes.forEach(function (change) {
      const row = body.insertRow();
      [new Date(change.at).toLocaleString(), change.who, describeChange(change)]
        .forEach(function (text) { row.insertCell().textContent = text; });
    });
    historyBox.hidden = false;
  }

  function rememberDistrict(district) {
    if (!district) {
      return;
    }
    const select = document.getElementById("district-filter");
    if (![...select.options].some(function (o) { return o.value === district; })) {
      select.add(new Option(district, district));
      document.getElementById("district-list").appendChild(new Option(district));
    }
  }

  // ---- wiring ----

  document.querySelectorAll("[data-draw]").forEach(function (button) {
    button.addEventListener("click", function () { startDrawing(button.dataset.draw); });
  });
  form.addEventListener("submit", save);
  document.getElementById("cancel-edit").addEventListener("click", function () {
    closeForm();
    map.pm.disableDraw();
    say("");
  });
  document.getElementById("retire").addEventListener("click", retire);
  document.getElementById("restore").addEventListener("click", restore);
  document.getElementById("show-history").addEventListener("click", showHistory);
  filters.addEventListener("change", function () { load(null); });

  load(null);
})();
