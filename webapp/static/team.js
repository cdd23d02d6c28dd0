/* A team's phone page: the route drawn as one GeoJSON layer, the phone's position,
 * one-tap check-ins kept on the phone until the server has them, and the service
 * worker that keeps the page usable with no signal. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("team-config").textContent);
  var OUTBOX = "patrol-outbox:" + cfg.team + ":" + cfg.night;
  var SENT = "patrol-sent:" + cfg.team + ":" + cfg.night;
  var gps = null, shift = [0, 0], me = null, accuracyRing = null, map = null, badges = {};

  /* ---- the map ---------------------------------------------------------- */
  function drawMap(data) {
    shift = data.gps_shift || [0, 0];
    map = L.map("map", { zoomSnap: data.tiles.length ? 1 : 0.25, maxZoom: 19, tap: true });
    data.tiles.forEach(function (t) {
      L.tileLayer(t.url, { attribution: escapeText(t.attribution), subdomains: t.subdomains || "abc",
                           maxZoom: 19, maxNativeZoom: 18 }).addTo(map);
    });
    if (data.roads) {
      L.geoJSON(data.roads, { interactive: false,
        style: { color: "#6b7785", weight: 1, opacity: 0.7 } }).addTo(map);
    }
    var stops = 0;
    L.geoJSON(data.features, {
      style: function (f) {
        var p = f.properties;
        if (p.layer === "route") { return { color: p.color, weight: 5, opacity: 0.95 }; }
        return { color: p.color, weight: 3, fillColor: p.color, fillOpacity: 0.25 };
      },
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        if (p.layer === "stop") {
          stops += 1;
          var m = L.marker(latlng, { icon: badgeIcon(p, isDone(p.visit)),
                                     zIndexOffset: 1000 - p.seq, keyboard: false });
          m.on("click", function () { showStop(p.seq); });
          badges[p.visit] = { marker: m, props: p };
          return m;
        }
        var text = p.layer === "shelter" ? "暖" : p.layer === "report" ? "!" : "基";
        var color = p.layer === "shelter" ? "#2e7d32" : p.layer === "report" ? "#c62828" : "#263238";
        return L.marker(latlng, { keyboard: false, icon: L.divIcon({ className: "",
          html: '<div class="badge place" style="width:28px;height:28px;line-height:24px;background:' +
                color + '">' + text + "</div>", iconSize: [28, 28], iconAnchor: [14, 14] }) })
          .bindTooltip(escapeText(p.name));
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        if (p.layer === "stop") { layer.bindTooltip(escapeText(p.seq + " · " + p.time + " · " + p.name)); }
      }
    }).addTo(map);
    if (data.bounds) { map.fitBounds(data.bounds, { padding: [20, 20], maxZoom: 17 }); }
    L.control.scale({ imperial: false }).addTo(map);
    document.documentElement.setAttribute("data-stops-drawn", String(stops));
    if (window.performance && performance.mark) { performance.mark("map-drawn"); }
  }

  function badgeIcon(p, done) {
    return L.divIcon({ className: "", iconSize: [34, 34], iconAnchor: [17, 17],
      html: '<div class="badge' + (done ? " done" : "") + '" style="width:34px;height:34px;line-height:30px;background:' +
            p.color + '">' + p.seq + "</div>" });
  }

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text || "";
    return div.innerHTML;
  }

  function showStop(seq) {
    var li = document.getElementById("stop-" + seq);
    if (li) { li.scrollIntoView({ behavior: "smooth", block: "start" }); }
  }

  /* ---- where the team is -------------------------------------------------- */
  function watchPosition() {
    if (!navigator.geolocation) { setText("gps", "无定位 No GPS"); return; }
    navigator.geolocation.watchPosition(function (pos) {
      gps = { lon: pos.coords.longitude, lat: pos.coords.latitude, accuracy_m: pos.coords.accuracy };
      var at = [gps.lat + shift[1], gps.lon + shift[0]];
      if (!map) { return; }
      if (!me) {
        me = L.marker(at, { interactive: false, zIndexOffset: 5000,
          icon: L.divIcon({ className: "", html: '<div class="me" style="width:18px;height:18px"></div>',
                            iconSize: [18, 18], iconAnchor: [9, 9] }) }).addTo(map);
        accuracyRing = L.circle(at, { radius: gps.accuracy_m, weight: 1, color: "#4ea1ff",
                                      fillOpacity: 0.1, interactive: false }).addTo(map);
      } else {
        me.setLatLng(at);
        accuracyRing.setLatLng(at).setRadius(gps.accuracy_m);
      }
      setText("gps", "◎ ±" + Math.round(gps.accuracy_m) + " m");
    }, function (err) {
      setText("gps", err.code === 1 ? "未允许定位 Location not allowed" : "暂无定位 No GPS fix");
    }, { enableHighAccuracy: true, maximumAge: 15000, timeout: 30000 });
  }

  /* ---- check-ins, kept on the phone until the server has them ----------- */
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key)) || (key === OUTBOX ? [] : {}); }
    catch (e) { return key === OUTBOX ? [] : {}; }
  }
  function store(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));  // plain HTTP on a LAN has no randomUUID
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function checkIn(visit, outcome, extra) {
    var item = { id: newId(), visit: visit, outcome: outcome, recorded_at: new Date().toISOString() };
    Object.keys(extra || {}).forEach(function (k) { item[k] = extra[k]; });
    if (gps) { item.lon = gps.lon; item.lat = gps.lat; item.accuracy_m = gps.accuracy_m; }
    var box = load(OUTBOX);
    box.push(item);
    store(OUTBOX, box);
    refresh();
    flush();
  }

  var sending = false;
  function flush() {
    var box = load(OUTBOX);
    if (sending || !box.length) { return; }
    sending = true;
    var item = box[0];
    fetch(cfg.checkinUrl, { method: "POST", headers: { "Content-Type": "application/json" },
                            body: JSON.stringify(item), credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 200 || r.status === 201) {
          return r.json().then(function (body) {
            settle(item, cfg.outcomes[item.outcome], true);
            followEscort(body.escort);
          }, function () { settle(item, cfg.outcomes[item.outcome], true); });
        }
        if (r.status === 429) { throw new Error("later"); }  // too many at once: keep it, send again
        if (r.status >= 400 && r.status < 500) {  // the server will never take it: say why
          return r.json().then(function (body) { settle(item, "未保存 Not stored: " + body.error.message, false); },
                               function () { settle(item, "未保存 Not stored (" + r.status + ")", false); });
        }
        throw new Error("server " + r.status);
      })
      .then(function () { sending = false; flush(); },
            function () { sending = false; refresh(); });  // offline or server down: keep it
  }

  // A check-in that takes people somewhere: a worker adds the trip to the route. Say where
  // it goes (or why it was not added), then show the route with the trip on top.
  function followEscort(escort) {
    var note = document.getElementById("escort-note");
    if (!escort || !note) { return; }
    note.hidden = false;
    if (!escort.status_url) { note.textContent = escort.message || ""; return; }
    note.textContent = "正在加入护送行程… Adding the trip to your route…";
    (function poll() {
      fetch(escort.status_url).then(function (r) { return r.json(); }).then(function (job) {
        if (job.state === "queued" || job.state === "running") { setTimeout(poll, 700); return; }
        var added = job.state === "done" && job.result && job.result.added;
        note.textContent = job.result && job.result.message ? job.result.message : (job.messages || []).join(" ");
        if (added) { setTimeout(function () { window.location.reload(); }, 1500); }
      }).catch(function () { setTimeout(poll, 2000); });
    })();
  }

  function settle(item, text, ok) {
    store(OUTBOX, load(OUTBOX).filter(function (x) { return x.id !== item.id; }));
    var sent = load(SENT);
    sent[item.visit] = { text: text, ok: ok };
    store(SENT, sent);
    refresh();
  }

  function isDone(visit) {
    var li = document.querySelector('li[data-visit="' + visit + '"]');
    return !!(li && li.classList.contains("done"));
  }

  /* ---- what the page shows -------------------------------------------- */
  function refresh() {
    var box = load(OUTBOX), sent = load(SENT), waiting = {};
    box.forEach(function (x) { waiting[x.visit] = x; });
    document.querySelectorAll("li[data-visit]").forEach(function (li) {
      var v = li.getAttribute("data-visit"), state = li.querySelector(".state");
      if (waiting[v]) {
        li.classList.add("done", "waiting");
        state.textContent = cfg.outcomes[waiting[v].outcome] + " · 待发送 waiting";
      } else if (sent[v]) {
        li.classList.remove("waiting");
        li.classList.toggle("done", sent[v].ok);
        li.classList.toggle("failed", !sent[v].ok);
        state.textContent = sent[v].text;
      }
      if (badges[v]) { badges[v].marker.setIcon(badgeIcon(badges[v].props, li.classList.contains("done"))); }
    });
    var queue = document.getElementById("queue");
    queue.hidden = box.length === 0;
    queue.textContent = box.length + " 待发送 waiting";
    setText("net", navigator.onLine ? "在线 Online" : "离线 Offline");
    showNext();
  }

  function showNext() {
    var next = document.querySelector("li[data-visit]:not(.done)"), box = document.getElementById("next");
    document.querySelectorAll(".next-stop").forEach(function (li) { li.classList.remove("next-stop"); });
    box.hidden = false;
    if (!next) { box.replaceChildren(textElement("h2", "全部完成 Every stop checked")); return; }
    next.classList.add("next-stop");
    box.replaceChildren(textElement("h2", "下一站 Next: " + next.querySelector(".seq").textContent +
                                    " · " + next.querySelector("strong").textContent),
                        textElement("p", next.querySelector(".leg").textContent));
    var nav = next.querySelector(".nav");
    if (nav) { box.appendChild(nav.cloneNode(true)); }
  }

  function textElement(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function setText(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }

  function ask(dialogId, visit, onSave) {
    var dialog = document.getElementById(dialogId), form = dialog.querySelector("form");
    dialog.querySelector(".for").textContent = "#" + document.querySelector('li[data-visit="' + visit + '"]').getAttribute("data-seq");
    form.reset();
    dialog.onclose = function () { if (dialog.returnValue === "save") { onSave(new FormData(form)); } };
    dialog.showModal();
  }

  document.querySelector("ol.stops").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-outcome]");
    if (!button) { return; }
    var visit = button.closest("li").getAttribute("data-visit"), outcome = button.getAttribute("data-outcome");
    if (outcome === "checked_nobody") { checkIn(visit, outcome); }
    if (outcome === "person_found") {
      ask("found-form", visit, function (f) {
        checkIn(visit, outcome, { found_count: parseInt(f.get("found_count"), 10),
          found_category: f.get("found_category"), accepts_help: f.get("accepts_help") === "true",
          action: f.get("action") });
      });
    }
    if (outcome === "could_not_check") {
      ask("cannot-form", visit, function (f) {
        checkIn(visit, outcome, { reason: (f.get("reason") || "").trim() || f.get("preset") });
      });
    }
  });
  document.getElementById("locate").addEventListener("click", function () {
    watchPosition();
    if (me) { map.setView(me.getLatLng(), Math.max(map.getZoom(), 16)); }
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", refresh);
  setInterval(flush, 20000);

  /* ---- start ------------------------------------------------------------ */
  refresh();
  fetch(cfg.dataUrl).then(function (r) {
    if (!r.ok) { throw new Error("route data " + r.status); }
    return r.json();
  }).then(drawMap).catch(function () { setText("gps", "地图未载入 Map not loaded"); });
  if (navigator.permissions) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted") { watchPosition(); }
    }, function () {});
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.serviceWorker, { scope: "/t/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      reg.active.postMessage({ cache: cfg.cache });
    }).catch(function () {});  // plain HTTP on a LAN: no service worker, the page still works
  }
  flush();
})();

// A reported person's steps (on the way, arrived, outcome): sent at once, then the page shows the next step.
(function () {
  "use strict";
  document.querySelector("ol.stops").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-step]");
    if (!button) { return; }
    var box = button.closest(".report-steps"), select = box.querySelector("select[name=outcome]");
    var body = { status: button.getAttribute("data-step") };
    if (body.status === "outcome" && select) { body.outcome = select.value; }
    button.disabled = true;
    fetch(box.getAttribute("data-url"), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (answer) {
          if (!r.ok) { box.querySelector(".state").textContent = answer.error.message; button.disabled = false; return; }
          if (answer.escort && answer.escort.status_url) { return waitForEscort(answer.escort.status_url, box); }
          if (answer.escort && answer.escort.message) {  // not added: say why before the page moves on
            box.querySelector(".state").textContent = answer.escort.message;
            setTimeout(function () { window.location.reload(); }, 4000);
            return;
          }
          window.location.reload();
        });
      }).catch(function () { box.querySelector(".state").textContent = "无信号，请重试 No signal: try again"; button.disabled = false; });
  });

  // The trip is added to the night by a worker: wait for it, say where it goes, then reload.
  function waitForEscort(url, box) {
    var state = box.querySelector(".state");
    state.textContent = "正在加入护送行程… Adding the trip to your route…";
    fetch(url).then(function (r) { return r.json(); }).then(function (job) {
      if (job.state === "queued" || job.state === "running") {
        setTimeout(function () { waitForEscort(url, box); }, 700);
        return;
      }
      var said = job.result && job.result.message ? job.result.message : (job.messages || []).join(" ");
      state.textContent = said;
      setTimeout(function () { window.location.reload(); }, job.state === "done" && job.result && job.result.added ? 800 : 4000);
    }).catch(function () { setTimeout(function () { waitForEscort(url, box); }, 2000); });
  }
})();
