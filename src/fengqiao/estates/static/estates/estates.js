// 平安智慧小区: the estates map (Leaflet, data from data-url) and today's traffic chart (ECharts,
// data from <script type="application/json" id="estate-traffic-data">). No inline script (CSP).
(function () {
  "use strict";

  function msg(el, key) { return el.getAttribute("data-msg-" + key) || ""; }

  function drawMap(el) {
    if (typeof L === "undefined") { return; }
    var lat = parseFloat(el.getAttribute("data-centre-lat")) || 29.209;
    var lng = parseFloat(el.getAttribute("data-centre-lng")) || 103.947;
    var map = L.map(el, { preferCanvas: true }).setView([lat, lng], 13);
    var tiles = el.getAttribute("data-tile-url");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    fetch(el.getAttribute("data-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var bounds = [];
      data.estates.forEach(function (e) {
        var colour = e.offline ? "#d97706" : (e.tasks ? "#2563eb" : "#16a34a");
        var marker = L.circleMarker([e.lat, e.lng], { radius: 8, color: colour, fillOpacity: 0.7 }).addTo(map);
        var box = document.createElement("div");
        var link = document.createElement("a");
        link.href = e.url; link.textContent = e.name;
        box.appendChild(link);
        var line = document.createElement("div");
        line.textContent = e.community + " · " + msg(el, "gates") + " " + e.gates + " · " + msg(el, "offline") + " " + e.offline + " · " + msg(el, "tasks") + " " + e.tasks;
        box.appendChild(line);
        marker.bindPopup(box);
        bounds.push([e.lat, e.lng]);
      });
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
      el.setAttribute("data-estates", String(data.estates.length));
    });
  }

  function drawTraffic() {
    var el = document.getElementById("estate-traffic-chart");
    var source = document.getElementById("estate-traffic-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var colours = { "in": "#16a34a", "out": "#2563eb", "refused": "#d97706" };
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: data.series.map(function (s) { return s.name; }) },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.hours },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: s.key === "refused" ? "refused" : "passes", data: s.data, itemStyle: { color: colours[s.key] } };
      })
    });
    el.setAttribute("data-drawn", String(data.total));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    var el = document.querySelector("[data-estate-map]");
    if (el) { drawMap(el); }
    drawTraffic();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
