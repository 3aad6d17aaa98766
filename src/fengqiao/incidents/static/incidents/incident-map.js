// 警情地图: community boundaries shaded by the number of incidents, a circle per community centre sized by it.
// Data: <script type="application/json" id="incident-map-data"> (GeoJSON + "max"). Tiles only if MAP_TILE_URL is set.
(function () {
  "use strict";

  // Names and plates are data, never markup: Leaflet puts a string tooltip in as HTML, so give it a node.
  function textOf(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  function shade(count, max) {
    var t = max > 0 ? count / max : 0;
    return { color: "#1f5fa8", weight: 2, fillColor: "#c0392b", fillOpacity: 0.05 + 0.55 * t };
  }

  function popupFor(props, label) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.name;
    box.appendChild(link);
    var info = document.createElement("div");
    info.textContent = props.count + " " + label;
    box.appendChild(info);
    return box;
  }

  function draw(el, data) {
    var lat = parseFloat(el.getAttribute("data-centre-lat")) || 29.21;
    var lng = parseFloat(el.getAttribute("data-centre-lng")) || 103.95;
    var label = el.getAttribute("data-count-label") || "";
    var map = L.map(el, { zoomControl: true }).setView([lat, lng], 13);
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    var max = data.max || 0;
    var layer = L.geoJSON(data, {
      style: function (feature) { return shade(feature.properties.count, max); },
      pointToLayer: function (feature, latlng) {
        var n = feature.properties.count;
        var radius = max > 0 ? 4 + 16 * Math.sqrt(n / max) : 4;
        return L.circleMarker(latlng, { radius: radius, color: "#c0392b", weight: 1, fillOpacity: 0.7 });
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(popupFor(feature.properties, label));
        lyr.bindTooltip(textOf(feature.properties.name + " " + feature.properties.count));
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20] });
    }
    el.setAttribute("data-features", String((data.features || []).length));
  }

  function init() {
    var el = document.querySelector("[data-incident-map]");
    var source = document.getElementById("incident-map-data");
    if (!el || !source || typeof L === "undefined") { return; }
    draw(el, JSON.parse(source.textContent));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
