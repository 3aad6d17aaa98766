// 行车卫士 maps (Leaflet). Opt-in: <div data-vehicle-map data-mode="trail|live|track" data-url="…">.
// Tiles only when the page gives data-tile-url (settings.MAP_TILE_URL); the server already converted
// every coordinate to the tiles' system (MAP_TILE_CRS: wgs84 or gcj02). Community boundaries are
// always drawn, so the map is useful offline and when the tile server cannot be reached.
(function () {
  "use strict";

  // Names and plates are data, never markup: Leaflet puts a string tooltip in as HTML, so give it a node.
  function textOf(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  function msg(el, key) { return el.getAttribute("data-msg-" + key) || ""; }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || String(r.status)); }
        return body;
      });
    });
  }

  function baseMap(el) {
    var lat = parseFloat(el.getAttribute("data-centre-lat")) || 29.209;
    var lng = parseFloat(el.getAttribute("data-centre-lng")) || 103.947;
    var map = L.map(el, { preferCanvas: true }).setView([lat, lng], 13);
    var note = el.parentNode.querySelector("[data-map-note]");
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      var failures = 0;
      L.tileLayer(tiles, { maxZoom: 19 }).on("tileerror", function () {
        failures += 1;
        if (failures === 3 && note) { note.textContent = msg(el, "tiles"); }
      }).addTo(map);
    }
    getJSON(el.getAttribute("data-communities-url")).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function () { return { color: "#1f5fa8", weight: 1.5, fillOpacity: 0.04 }; },
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 4, color: "#1f5fa8" }); },
        onEachFeature: function (f, lyr) { if (f.properties) { lyr.bindTooltip(textOf(f.properties.name)); } }
      }).addTo(map);
      layer.bringToBack();
      el.setAttribute("data-communities", String((data.features || []).length));
      if (!el.hasAttribute("data-fitted") && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
    }).catch(function () { /* boundaries are a backdrop only */ });
    return map;
  }

  function status(el, text) {
    var box = el.closest(".card") || document;
    var out = box.querySelector("[data-trail-status]");
    if (out) { out.textContent = text; }
  }

  function vehiclePopup(v) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = v.url;
    a.textContent = v.plate;
    box.appendChild(a);
    var info = document.createElement("div");
    info.textContent = (v.fix || "").replace("T", " ").slice(0, 19) + (v.v !== null && v.v !== undefined ? " · " + Math.round(v.v) + " km/h" : "");
    box.appendChild(info);
    return box;
  }

  function drawTrail(el, map, layer, points) {
    layer.clearLayers();
    var latlngs = points.filter(function (p) { return p.p; }).map(function (p) { return p.p; });
    if (!latlngs.length) { return latlngs; }
    L.polyline(latlngs, { color: "#c0392b", weight: 3 }).addTo(layer);
    L.circleMarker(latlngs[0], { radius: 6, color: "#2e7d32", fillOpacity: 1 }).addTo(layer);
    L.circleMarker(latlngs[latlngs.length - 1], { radius: 6, color: "#c0392b", fillOpacity: 1 }).addTo(layer);
    el.setAttribute("data-fitted", "1");
    map.fitBounds(L.latLngBounds(latlngs), { padding: [20, 20], maxZoom: 17 });
    return latlngs;
  }

  function trailMode(el, map) {
    var layer = L.layerGroup().addTo(map);
    var form = document.querySelector("[data-trail-form]");
    var points = [];
    var timer = null;
    function load() {
      var url = el.getAttribute("data-url");
      if (form) {
        url += "?start=" + encodeURIComponent(form.elements.start.value) + "&end=" + encodeURIComponent(form.elements.end.value);
      }
      getJSON(url).then(function (data) {
        points = data.points || [];
        drawTrail(el, map, layer, points);
        el.setAttribute("data-points", String(points.length));
        status(el, points.length ? points.length + " " + msg(el, "points") : msg(el, "none"));
      }).catch(function (err) { status(el, msg(el, "error") + ": " + err.message); });
    }
    if (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); load(); });
      var replay = form.querySelector("[data-replay]");
      if (replay) {
        replay.addEventListener("click", function () {
          if (timer) { clearInterval(timer); timer = null; }
          var usable = points.filter(function (p) { return p.p; });
          if (!usable.length) { return; }
          var marker = L.circleMarker(usable[0].p, { radius: 8, color: "#1f5fa8", fillOpacity: 1 }).addTo(layer);
          var i = 0;
          var stride = Math.max(1, Math.floor(usable.length / 300));
          timer = setInterval(function () {
            i += stride;
            if (i >= usable.length) { clearInterval(timer); timer = null; i = usable.length - 1; }
            marker.setLatLng(usable[i].p);
            status(el, usable[i].t.replace("T", " ").slice(0, 19) + " · " + usable[i].v + " km/h");
          }, 60);
        });
      }
    }
    load();
  }

  // The live map asks for the current view: ?bbox=south,west,north,east&zoom=z, in the tiles' coordinate
  // system like everything this file draws (the server shifts the bbox back to WGS-84 when the tiles are
  // GCJ-02). It answers with points (few vehicles in view) or grid clusters (many), stolen vehicles
  // always as points; it reloads on load, after the map moves or zooms (debounced) and every data-poll s.
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  function viewQuery(map) {
    var b = map.getBounds();
    var south = clamp(b.getSouth(), -90, 90), north = clamp(b.getNorth(), -90, 90);
    var west = clamp(b.getWest(), -180, 180), east = clamp(b.getEast(), -180, 180);
    if (north <= south || east <= west) { return "zoom=" + map.getZoom(); }
    return "bbox=" + [south, west, north, east].map(function (x) { return x.toFixed(6); }).join(",") +
      "&zoom=" + Math.round(map.getZoom());
  }

  function clusterRadius(n) { return Math.min(30, 10 + 8 * Math.log(Math.max(1, n)) / Math.LN10); }

  function drawCluster(map, layer, c) {
    var colour = c.stolen ? "#c0392b" : (c.armed ? "#e67e22" : "#1f5fa8");
    var marker = L.circleMarker(c.p, {
      radius: clusterRadius(c.n), color: colour, weight: c.stolen ? 3 : 1.5, fillColor: "#1f5fa8", fillOpacity: 0.35
    });
    // The count is the icon of a marker of its own in the same layer, not a permanent tooltip: a
    // tooltip closed while the map zooms could stay on screen beside the next drawing's (two "4"s).
    var label = L.marker(c.p, {
      icon: L.divIcon({ className: "cluster-label", html: textOf(c.n), iconSize: [40, 20] }),
      keyboard: false
    });
    function zoomIn() {
      if (c.cell) { map.fitBounds(L.latLngBounds(c.cell[0], c.cell[1]), { maxZoom: 18 }); } else { map.setView(c.p, map.getZoom() + 2); }
    }
    marker.on("click", zoomIn);
    label.on("click", zoomIn);
    marker.addTo(layer);
    label.addTo(layer);
  }

  function drawPoint(layer, v) {
    if (!v.p) { return; }
    var colour = v.stolen ? "#c0392b" : (v.armed ? "#e67e22" : "#1f5fa8");
    L.circleMarker(v.p, { radius: v.stolen ? 8 : 5, color: colour, fillOpacity: 0.8, weight: 1 })
      .bindPopup(vehiclePopup(v)).bindTooltip(textOf(v.plate)).addTo(layer);
  }

  function liveMode(el, map) {
    var clusterLayer = L.layerGroup().addTo(map);
    var pointLayer = L.layerGroup().addTo(map);
    var counter = document.querySelector("[data-live-count]");
    var asked = 0, drawn = 0, timer = null;
    function say(data) {
      if (!counter) { return; }
      var unit = msg(el, "unit");
      var parts = [msg(el, "fleet") + " " + data.fleet + " " + unit, msg(el, "inview") + " " + data.total + " " + unit];
      if (data.mode === "clusters") { parts.push(msg(el, "clustered")); }
      if (data.stolen_outside) { parts.push(msg(el, "stolen-outside") + " " + data.stolen_outside + " " + unit); }
      parts.push(msg(el, "refreshed") + " " + new Date().toLocaleTimeString("zh-CN", { hour12: false }));
      counter.textContent = parts.join(" · ");
    }
    function load() {
      var url = el.getAttribute("data-url");
      var seq = ++asked;
      getJSON(url + (url.indexOf("?") < 0 ? "?" : "&") + viewQuery(map)).then(function (data) {
        if (seq < drawn) { return; }  // an older answer arriving after a newer one
        drawn = seq;
        clusterLayer.clearLayers();
        pointLayer.clearLayers();
        (data.clusters || []).forEach(function (c) { drawCluster(map, clusterLayer, c); });
        (data.vehicles || []).forEach(function (v) { drawPoint(pointLayer, v); });
        el.setAttribute("data-live-mode", data.mode);
        el.setAttribute("data-zoom", String(data.zoom));
        el.setAttribute("data-clusters", String((data.clusters || []).length));
        el.setAttribute("data-total", String(data.total));
        el.setAttribute("data-vehicles", String((data.vehicles || []).length));
        say(data);
      }).catch(function (err) { if (counter) { counter.textContent = msg(el, "error") + ": " + err.message; } });
    }
    function later() { clearTimeout(timer); timer = setTimeout(load, 300); }
    map.on("moveend zoomend", later);
    load();
    // The push tier says when vehicles of the station moved (map.moved, coalesced, push.js: push:map);
    // the timer reloads only while the push process cannot be reached.
    document.body.addEventListener("push:map", later);
    document.body.addEventListener("push:open", function (ev) { if (!ev.detail || !ev.detail.first) { later(); } });
    setInterval(function () { if (!(window.fqPush && window.fqPush.live)) { load(); } }, (parseInt(el.getAttribute("data-poll"), 10) || 10) * 1000);
  }

  function trackMode(el, map) {
    var layer = L.layerGroup().addTo(map);
    var first = true;
    function load() {
      getJSON(el.getAttribute("data-url")).then(function (data) {
        var latlngs = drawTrail(el, map, layer, data.points || []);
        if (data.last && data.last.p) {
          L.circleMarker(data.last.p, { radius: 10, color: "#c0392b", fillOpacity: 0.9 }).bindPopup(vehiclePopup(data.last)).addTo(layer);
          if (first && !latlngs.length) { el.setAttribute("data-fitted", "1"); map.setView(data.last.p, 16); }
        }
        first = false;
        el.setAttribute("data-points", String((data.points || []).length));
        status(el, (data.points || []).length + " " + msg(el, "points"));
      }).catch(function (err) { status(el, msg(el, "error") + ": " + err.message); });
    }
    load();
    setInterval(load, (parseInt(el.getAttribute("data-poll"), 10) || 10) * 1000);
  }

  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-vehicle-map]").forEach(function (el) {
      var map = baseMap(el);
      var mode = el.getAttribute("data-mode");
      if (mode === "live") { liveMode(el, map); } else if (mode === "track") { trackMode(el, map); } else { trailMode(el, map); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
