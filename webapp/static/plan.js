/* The plan page: progress while the solver searches, the forecast button, drawing a closed road. */
(function () {
  "use strict";

  function watchProgress(box) {
    var url = box.dataset.statusUrl, bar = box.querySelector("progress");
    var elapsed = box.querySelector(".elapsed"), list = box.querySelector(".messages");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.json(); })
        .then(function (job) {
          bar.value = Math.min(job.elapsed_s, job.budget_s);
          elapsed.textContent = job.elapsed_s.toFixed(1);
          box.dataset.state = job.state;
          if (job.state === "queued" || job.state === "running") {
            box.querySelector(".state").textContent = box.dataset[job.state + "Text"] || "";
            setTimeout(poll, 500);
            return;
          }
          if (job.state === "done") {
            window.location.href = box.dataset.doneUrl + "&v=" + job.version;
            return;
          }
          box.querySelector(".state").textContent = "";
          list.innerHTML = "";
          (job.messages || []).forEach(function (text) {
            var item = document.createElement("li");
            item.className = "field-error";
            item.textContent = text;
            list.appendChild(item);
          });
        })
        .catch(function () { setTimeout(poll, 1500); });
    }
    // "done": the search ended while the page was being made; the poll opens its version.
    if (["queued", "running", "done"].indexOf(box.dataset.state) >= 0) { poll(); }
  }

  function useForecast(button) {
    button.addEventListener("click", function () {
      document.getElementById("temperature").value = button.dataset.value;
    });
  }

  function textNode(words) {  // a tooltip takes HTML: the dispatcher's words go in as text
    var span = document.createElement("span");
    span.textContent = words;
    return span;
  }

  function drawClosure(mapBox) {
    var map = window[mapBox.dataset.mapName], field = document.getElementById("closure-geometry");
    var drawButton = document.getElementById("draw-closure");
    if (!map || !field || !drawButton) { return; }
    var points = [], line = null, drawing = false;
    JSON.parse(mapBox.dataset.closures || "[]").forEach(function (closure) {
      L.geoJSON(closure.geometry, { style: { color: "#b42318", weight: 6, opacity: 0.8 } })
        .bindTooltip(textNode(closure.label || "✕")).addTo(map);
    });
    function show() {
      if (line) { map.removeLayer(line); }
      line = points.length ? L.polyline(points, { color: "#b42318", weight: 6, dashArray: "8 6" }).addTo(map) : null;
      field.value = points.length > 1 ? JSON.stringify({
        type: "LineString",
        coordinates: points.map(function (p) { return [p.lng, p.lat]; })
      }) : "";
    }
    drawButton.addEventListener("click", function () {
      drawing = !drawing;
      mapBox.classList.toggle("drawing", drawing);
      drawButton.setAttribute("aria-pressed", drawing ? "true" : "false");
      if (drawing) { mapBox.scrollIntoView({ block: "center" }); }
    });
    document.getElementById("clear-closure").addEventListener("click", function () {
      points = []; show();
    });
    map.on("click", function (event) {
      if (drawing) { points.push(event.latlng); show(); }
    });
  }

  function pickStops() {
    var select = document.getElementById("visit-select");
    if (!select) { return; }
    document.querySelectorAll("tr.pickable").forEach(function (row) {
      row.addEventListener("click", function () {
        select.value = row.dataset.visit;
        document.getElementById("stop-form").scrollIntoView({ block: "center" });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    pickStops();
    var box = document.getElementById("progress");
    if (box) { watchProgress(box); }
    var forecast = document.getElementById("use-forecast");
    if (forecast) { useForecast(forecast); }
    var mapBox = document.getElementById("plan-map");
    if (mapBox) { drawClosure(mapBox); }
  });
}());
