// The public report form: a GPS button and a small map to tap; the form itself works without them.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("report-config").textContent);
  var lon = document.getElementById("lon"), lat = document.getElementById("lat");
  var datum = document.getElementById("datum"), note = document.getElementById("where-note");
  var marker = null, map = null;

  function text(words) {  // tooltips take HTML: a place's name goes in as text
    var span = document.createElement("span");
    span.textContent = words;
    return span;
  }

  function chosen(latValue, lonValue, source, inDatum) {
    lat.value = latValue.toFixed(6);
    lon.value = lonValue.toFixed(6);
    datum.value = inDatum;
    note.textContent = source + ": " + lat.value + ", " + lon.value;
    if (map) {
      if (marker) { marker.setLatLng([latValue, lonValue]); } else { marker = L.marker([latValue, lonValue]).addTo(map); }
    }
  }

  if (window.L && document.getElementById("pick-map")) {
    map = L.map("pick-map", { zoomControl: true });
    config.tiles.forEach(function (t) {
      L.tileLayer(t.url, { attribution: text(t.attribution).innerHTML, subdomains: t.subdomains || "abc", maxZoom: 18 }).addTo(map);
    });
    L.rectangle(config.box, { color: "#0b5cad", weight: 1, fill: false }).addTo(map);
    config.landmarks.forEach(function (p) {
      L.circleMarker([p[0], p[1]], { radius: 3, color: "#667", weight: 1 }).bindTooltip(text(p[2])).addTo(map);
    });
    map.fitBounds(config.box);
    // A tap on a Chinese tile map is in that map's datum; the server converts it.
    map.on("click", function (e) { chosen(e.latlng.lat, e.latlng.lng, "地图 Map", config.datum); });
    if (lat.value && lon.value) { chosen(parseFloat(lat.value), parseFloat(lon.value), "已选 Chosen", datum.value); }
  }

  document.getElementById("gps").addEventListener("click", function () {
    if (!navigator.geolocation) { note.textContent = "此设备无定位 No GPS on this device: tap the map or type the place"; return; }
    note.textContent = "定位中… Finding your position…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      chosen(pos.coords.latitude, pos.coords.longitude, "GPS", "wgs84");
      if (map) { map.setView([pos.coords.latitude, pos.coords.longitude], 16); }
    }, function () {
      note.textContent = "无法定位 Position not available: tap the map or type the place";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
