// Map of the places where anti-fraud publicity activities were held (Leaflet).
// Points come from <script id="publicity-points" type="application/json"> (GeoJSON).
// Tiles are drawn only when the page gives a tile URL (settings.MAP_TILE_URL); no outside traffic otherwise.
(function () {
  "use strict";

  // Names and plates are data, never markup: Leaflet puts a string tooltip in as HTML, so give it a node.
  function textOf(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  function popupFor(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.name;
    box.appendChild(title);
    var info = document.createElement("div");
    info.textContent = p.date + " · " + p.kind + " · " + p.audience + " " + (document.querySelector("[data-publicity-map]").getAttribute("data-people-label") || "");
    box.appendChild(info);
    return box;
  }

  function init() {
    var el = document.querySelector("[data-publicity-map]");
    var source = document.getElementById("publicity-points");
    if (!el || !source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var lat = parseFloat(el.getAttribute("data-centre-lat")) || 29.21;
    var lng = parseFloat(el.getAttribute("data-centre-lng")) || 103.95;
    var map = L.map(el).setView([lat, lng], 13);
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var r = Math.min(18, 5 + Math.sqrt(feature.properties.audience || 0) / 3);
        return L.circleMarker(latlng, { radius: r, color: "#c0392b", weight: 2, fillOpacity: 0.5 });
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(popupFor(feature.properties));
        lyr.bindTooltip(textOf(feature.properties.name));
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 }); }
    el.setAttribute("data-features", String((data.features || []).length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
