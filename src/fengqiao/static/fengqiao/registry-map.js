// Community map of the 一标三实 pages: boundary polygons and centre markers from GeoJSON.
// Opt-in: <div data-registry-map data-geojson-url="..." | data-geojson='{...}' data-tile-url="...">.
// Tiles are drawn only when the page gives a tile URL (settings.MAP_TILE_URL); no outside traffic otherwise.
(function () {
  "use strict";

  // Names and plates are data, never markup: Leaflet puts a string tooltip in as HTML, so give it a node.
  function textOf(value) {
    var span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }

  function popupFor(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.name;
    box.appendChild(link);
    var info = document.createElement("div");
    info.textContent = (props.kind || "") + (props.persons !== undefined ? " · 实有人口 " + props.persons : "");
    box.appendChild(info);
    return box;
  }

  function draw(el, data) {
    var lat = parseFloat(el.getAttribute("data-centre-lat")) || 29.21;
    var lng = parseFloat(el.getAttribute("data-centre-lng")) || 103.95;
    var map = L.map(el, { zoomControl: true }).setView([lat, lng], 13);
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    var layer = L.geoJSON(data, {
      style: function () { return { color: "#1f5fa8", weight: 2, fillOpacity: 0.08 }; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 8, color: "#c0392b", weight: 2, fillOpacity: 0.8 });
      },
      onEachFeature: function (feature, lyr) {
        if (feature.properties) {
          lyr.bindPopup(popupFor(feature.properties));
          lyr.bindTooltip(textOf(feature.properties.name));
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20] });
    }
    el.setAttribute("data-features", String((data.features || []).length));
  }

  function init() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-registry-map]").forEach(function (el) {
      var inline = el.getAttribute("data-geojson");
      if (inline) {
        draw(el, JSON.parse(inline));
        return;
      }
      fetch(el.getAttribute("data-geojson-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) { draw(el, data); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
