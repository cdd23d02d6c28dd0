// The live board: asks for the board every few seconds and draws it; every text goes in as text.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("live-config").textContent);
  var busy = false;
  // Why a report's last assignment failed, by reference: said again each time the board is drawn.
  var failed = {};
  // Every change is sent with the page's CSRF token (webapp/auth.py).
  var JSON_POST = { "Content-Type": "application/json",
                    "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function hm(iso) { return iso ? iso.substring(11, 16) : "—"; }
  var zone;  // the city's time zone: the board's clock is the city's, not the browser's
  function local(iso) {
    var options = { hour: "2-digit", minute: "2-digit", hour12: false };
    if (zone) { options.timeZone = zone; }
    return iso ? new Date(iso).toLocaleTimeString("zh-CN", options) : "—";
  }

  function optionRow(report, option) {
    var button = el("button", { type: "button", "class": "assign", "data-team": option.team, text: "派 " + option.team_name + " Assign" });
    button.addEventListener("click", function () { assign(report.reference, option.team, button); });
    var effect = "+" + option.longer_min + " min" + (option.most_later_min ? ", 最多晚 up to " + option.most_later_min + " min later" : "");
    var left = option.left_out.length ? "舍去 leaves out: " + option.left_out.join(", ") : "不舍去 nothing left out";
    return el("tr", { "data-team": option.team }, [
      el("td", { text: option.team_name }), el("td", { text: "到达 at " + hm(option.arrival) }),
      el("td", { text: option.before ? "在 before " + option.before : "最后 last" }),
      el("td", { text: effect }), el("td", { text: left }), el("td", {}, [button])]);
  }

  function reportItem(r) {
    var head = el("p", {}, [
      el("span", { "class": "badge urgency", text: r.urgency }),
      el("span", { "class": "badge", text: r.status_label }),
      el("span", { "class": "badge", text: r.source_label }),
      el("strong", { "class": "reference", text: r.reference }),
      el("span", { text: " · " + r.age_min + " min · " + (r.place || (r.lat.toFixed(5) + ", " + r.lon.toFixed(5))) })]);
    var what = el("p", { text: r.people + " 人 people" + (r.categories.length ? " · " + r.categories.join(", ") : "") +
      (r.not_moving ? " · 不动 not moving" : "") + (r.seen ? " · " + r.seen : "") +
      (r.contact ? " · ☎ " + r.contact : "") + (r.due_at ? " · 回访 due " + local(r.due_at) : "") });
    var reasons = r.reasons.length ? el("p", { "class": "steps-line", text: r.reasons.join("; ") }) : null;
    var steps = el("p", { "class": "steps-line", text: r.steps.map(function (s) {
      return local(s.at) + " " + s.status + (s.team ? " " + s.team : ""); }).join(" → ") +
      (r.team_name ? " · " + r.team_name : "") + (r.outcome_label ? " · " + r.outcome_label : "") });
    var item = el("li", { "class": r.urgency, "data-reference": r.reference, "data-status": r.status }, [head, what, reasons, steps]);
    if (r.options_error) { item.appendChild(el("p", { "class": "error-text", text: r.options_error })); }
    if (r.options.length) {
      item.appendChild(el("table", { "class": "options" }, [el("tbody", {}, r.options.map(function (o) { return optionRow(r, o); }))]));
    }
    item.appendChild(el("p", { "class": "error-text assign-result", role: "status",
                               text: r.status === "reported" && failed[r.reference] || "" }));
    return item;
  }

  var ground = JSON.parse(document.getElementById("map-config").textContent);
  var map = null, marks = null;
  if (window.L) {
    map = L.map("live-map");
    ground.tiles.forEach(function (t) {
      L.tileLayer(t.url, { attribution: el("span", { text: t.attribution }).innerHTML, subdomains: t.subdomains || "abc", maxZoom: 18 }).addTo(map);
    });
    L.rectangle(ground.box, { color: "#0b5cad", weight: 1, fill: false, interactive: false }).addTo(map);
    ground.landmarks.forEach(function (p) {
      L.circleMarker([p[0], p[1]], { radius: 2, color: "#8a97a6", weight: 1 }).bindTooltip(el("span", { text: p[2] })).addTo(map);
    });
    map.fitBounds(ground.box);
    marks = L.layerGroup().addTo(map);
  }

  function drawMap(board) {
    if (!marks) { return; }
    marks.clearLayers();
    board.reports.forEach(function (r) {
      if (!r.drawn) { return; }
      L.circleMarker(r.drawn, { radius: 8, color: r.urgency === "critical" ? "#c62828" : "#ef6c00", fillOpacity: 0.8 })
        .bindTooltip(el("span", { text: r.reference + " · " + r.status_label })).addTo(marks);
    });
    board.teams.forEach(function (t) {
      if (!t.drawn) { return; }
      L.marker(t.drawn, { keyboard: false, icon: L.divIcon({ className: "", iconSize: [30, 22], iconAnchor: [15, 11],
        html: '<div class="team-mark' + (t.flagged ? " flagged" : "") + '"></div>' }) })
        .bindTooltip(el("span", { text: t.name + " · " + local(t.last_checkin) })).addTo(marks);
    });
  }

  function draw(board) {
    zone = board.timezone;
    drawMap(board);
    document.getElementById("board-meta").textContent = board.night + " · 版本 version " + board.version +
      (board.published ? " (已发布 published)" : " (草稿 draft)") + " · " + local(board.now) +
      " · 安全计时 safety timer " + board.silent_after_min + " min";
    var list = document.getElementById("reports");
    list.replaceChildren.apply(list, board.reports.map(reportItem));
    document.getElementById("no-reports").hidden = board.reports.length > 0;
    var closed = document.getElementById("closed");
    closed.replaceChildren.apply(closed, board.closed.map(reportItem));
    drawEscorts(board);
    var teams = document.getElementById("teams");
    teams.replaceChildren.apply(teams, board.teams.map(function (t) {
      return el("tr", { "class": t.flagged ? "flagged" : "", "data-team": t.id }, [
        el("td", { text: t.name + (t.flagged ? " ⚠ " + t.silent_min + " min 未打卡 silent" : "") }),
        el("td", { text: t.last_checkin ? local(t.last_checkin) : "—" }),
        el("td", { text: t.lat !== null ? t.lat.toFixed(5) + ", " + t.lon.toFixed(5) : "—" })]);
    }));
  }

  function drawEscorts(board) {
    var escorts = document.getElementById("escorts");
    escorts.replaceChildren.apply(escorts, board.escorts.map(function (e) {
      return el("li", { text: local(e.arrival) + " · " + e.team_name + " · " + e.note });
    }));
    if (!board.escorts.length) { escorts.appendChild(el("li", { "class": "hint", text: "暂无 None now" })); }
    var shelters = document.getElementById("shelters");
    if (shelters.contains(document.activeElement)) { return; }  // being typed in: keep it
    shelters.replaceChildren.apply(shelters, board.shelters.map(function (s) {
      var input = el("input", { type: "number", min: "0", max: String(s.beds || 100000), name: "beds_free",
        value: s.beds_free === null ? "" : String(s.beds_free), "aria-label": s.name + " 空床 free beds" });
      var button = el("button", { type: "submit", text: "更新 Update" });
      var form = el("form", { "class": "beds", "data-shelter": String(s.id) }, [input, button]);
      form.addEventListener("submit", function (event) { event.preventDefault(); setBeds(s, input, button); });
      return el("tr", {}, [el("td", { text: s.name + (s.beds ? " (" + s.beds + ")" : "") }),
        el("td", {}, [form]), el("td", { text: s.reported_at ? local(s.reported_at) : "未报告 not reported" })]);
    }));
  }

  function setBeds(shelter, input, button) {
    var note = document.getElementById("beds-result");
    button.disabled = true;
    fetch(config.beds.replace("/0/", "/" + shelter.id + "/"), {
      method: "POST", headers: JSON_POST,
      body: JSON.stringify({ beds_free: input.value.trim() })
    }).then(function (r) {
      return r.json().then(function (body) {
        button.disabled = false;
        if (!r.ok) {
          var fields = body.error.fields || {};
          note.textContent = shelter.name + ": " + (fields.beds_free || body.error.message);
          return;
        }
        note.textContent = shelter.name + " · 空床 free " + body.beds_free;
        input.blur();
        refresh();
      });
    }).catch(function (e) { button.disabled = false; note.textContent = e.message; });
  }

  function refresh() {
    if (busy) { return; }
    fetch(config.board, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error ? body.error.message : r.statusText); }
        draw(body);
      });
    }).catch(function (e) { document.getElementById("board-meta").textContent = "⚠ " + e.message; });
  }

  function assign(reference, team, button) {
    busy = true;
    button.disabled = true;
    delete failed[reference];
    var note = button.closest("li").querySelector(".assign-result");
    note.textContent = "重新规划中… Re-planning " + team + "'s night…";
    fetch(config.assign.replace("REF", encodeURIComponent(reference)), {
      method: "POST", headers: JSON_POST, body: JSON.stringify({ team: team })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { busy = false; note.textContent = body.error.message; button.disabled = false; return; }
        waitForJob(body.status_url, reference, note, button);
      });
    }).catch(function (e) { busy = false; note.textContent = e.message; button.disabled = false; });
  }

  // The re-plan runs on a worker: poll its job, then show the new version (or why not).
  function waitForJob(url, reference, note, button) {
    fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.state === "queued" || job.state === "running") {
          setTimeout(function () { waitForJob(url, reference, note, button); }, 500);
          return;
        }
        busy = false;
        if (job.state === "failed") {
          failed[reference] = (job.messages || []).join(" ");
          note.textContent = failed[reference];
          button.disabled = false;
        }
        refresh();
      }).catch(function () { setTimeout(function () { waitForJob(url, reference, note, button); }, 1500); });
  }

  document.getElementById("call-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, data = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "categories") { (data.categories = data.categories || []).push(value); } else { data[key] = value; }
    });
    data.not_moving = !!data.not_moving;
    var result = document.getElementById("call-result");
    fetch(config.calls, { method: "POST", headers: JSON_POST, body: JSON.stringify(data) })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) {
            var fields = body.error.fields || {};
            result.textContent = Object.keys(fields).length ? Object.keys(fields).map(function (k) { return k + ": " + fields[k]; }).join("; ") : body.error.message;
            return;
          }
          result.textContent = "已录入 Entered: " + body.reference;
          form.reset();
          form.querySelector("[name=place]").focus();
          refresh();
        });
      });
  });

  refresh();
  setInterval(refresh, config.poll_s * 1000);
})();
