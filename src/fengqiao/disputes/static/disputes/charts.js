// 矛盾纠纷 charts (ECharts). Each chart is a <div data-chart="kind" data-source="id"> whose figures sit in
// <script type="application/json" id="id"> (json_script). No inline script (CSP). Also wires [data-print].
(function () {
  "use strict";

  var LEVEL_COLOURS = { red: "#c0392b", orange: "#e67e22", yellow: "#f1c40f" };
  var COLOURS = ["#c0392b", "#e67e22", "#f1c40f"];

  var builders = {
    board: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: d.levels },
        grid: { left: 50, right: 20, bottom: 90 },
        xAxis: { type: "category", data: d.communities, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: d.levels.map(function (name, i) {
          return { name: name, type: "bar", stack: "open", data: d.series[i], itemStyle: { color: COLOURS[i] } };
        })
      };
    },
    months: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [d.names.registered, d.names.agreements, d.names.failed] },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: d.names.registered, type: "bar", data: d.registered, itemStyle: { color: "#9fbfe3" } },
          { name: d.names.agreements, type: "line", data: d.agreements, itemStyle: { color: "#27ae60" } },
          { name: d.names.failed, type: "line", data: d.failed, itemStyle: { color: "#c0392b" } }
        ]
      };
    },
    channels: function (d) {
      return {
        tooltip: { trigger: "item" },
        series: [{ name: d.names.channels, type: "pie", radius: ["35%", "65%"], data: d.channels }]
      };
    },
    years: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { data: [d.names.agreements, d.names.failed] },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: d.years },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: d.names.agreements, type: "bar", stack: "y", data: d.agreements, itemStyle: { color: "#27ae60" } },
          { name: d.names.failed, type: "bar", stack: "y", data: d.failed, itemStyle: { color: "#c0392b" } }
        ]
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
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
