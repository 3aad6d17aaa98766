// Charts of the anti-fraud figures page (ECharts). Data comes from <script id="fraud-figures-data" type="application/json">.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("fraud-figures-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var t = d.labels;
    var el;
    el = document.querySelector('[data-chart="years"]');
    if (el) {
      echarts.init(el).setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [t.cases, t.loss] },
        xAxis: { type: "category", data: d.years },
        yAxis: [{ type: "value", name: t.unit_cases }, { type: "value", name: t.unit_wan }],
        series: [
          { name: t.cases, type: "bar", data: d.cases },
          { name: t.loss, type: "line", yAxisIndex: 1, data: d.loss }
        ]
      });
      el.setAttribute("data-drawn", "1");
    }
    el = document.querySelector('[data-chart="months"]');
    if (el) {
      echarts.init(el).setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [String(d.year), String(d.year - 1), t.warnings] },
        xAxis: { type: "category", data: t.months },
        yAxis: { type: "value" },
        series: [
          { name: String(d.year), type: "bar", data: d.month_cases },
          { name: String(d.year - 1), type: "bar", data: d.month_cases_previous },
          { name: t.warnings, type: "line", data: d.month_warnings }
        ]
      });
      el.setAttribute("data-drawn", "1");
    }
    el = document.querySelector('[data-chart="types"]');
    if (el) {
      echarts.init(el).setOption({
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: d.types }]
      });
      el.setAttribute("data-drawn", "1");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
