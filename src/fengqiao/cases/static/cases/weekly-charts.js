// 案管周汇总 charts (ECharts). Each chart is a <div data-chart="kind" data-source="id"> whose figures sit in
// <script type="application/json" id="id"> (json_script). No inline script (CSP).
(function () {
  "use strict";

  var builders = {
    weeks: function (d) {
      var L = d.labels;
      var weeks = d.weeks.map(function (w) { return w.week.slice(5); });
      function col(key) { return d.weeks.map(function (w) { return w[key]; }); }
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [L.received, L.filed, L.closed, L.flags] },
        grid: { left: 40, right: 20, bottom: 40 },
        xAxis: { type: "category", data: weeks },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.received, type: "bar", data: col("received"), itemStyle: { color: "#9fbfe3" } },
          { name: L.filed, type: "bar", data: col("filed"), itemStyle: { color: "#5b8fd1" } },
          { name: L.closed, type: "line", data: col("closed"), itemStyle: { color: "#27ae60" } },
          { name: L.flags, type: "line", data: col("flags"), itemStyle: { color: "#c0392b" } }
        ]
      };
    },
    ranking: function (d) {
      var rows = d.ranking.slice().reverse();
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 90, right: 20, bottom: 30 },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: rows.map(function (r) { return r.officer; }) },
        series: [{ name: d.labels.score, type: "bar", data: rows.map(function (r) { return r.score; }),
                   itemStyle: { color: "#e67e22" } }]
      };
    }
  };
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    var build = builders[el.getAttribute("data-chart")];
    if (!source || !build) { return; }
    var chart = echarts.init(el);
    chart.setOption(build(JSON.parse(source.textContent)));
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
