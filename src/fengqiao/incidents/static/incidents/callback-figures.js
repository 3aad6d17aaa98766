// 回访满意率 chart (ECharts): the page puts its figures in <script type="application/json" id="satisfaction-data">.
// Bars: valid callbacks; line: satisfaction rate (%). No inline script (CSP).
(function () {
  "use strict";

  function draw(el, data) {
    var chart = echarts.init(el);
    var horizontal = data.horizontal;
    var category = { type: "category", data: data.labels, axisLabel: { interval: horizontal ? 0 : "auto", rotate: horizontal ? 30 : 0 } };
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.validName, data.rateName] },
      grid: { left: 50, right: 60, bottom: horizontal ? 90 : 40 },
      xAxis: category,
      yAxis: [
        { type: "value", name: data.validName, minInterval: 1 },
        { type: "value", name: data.rateName, min: function (v) { return Math.max(0, Math.floor(v.min - 5)); }, max: 100 }
      ],
      series: [
        { name: data.validName, type: "bar", data: data.valid, itemStyle: { color: "#9fbfe3" } },
        { name: data.rateName, type: "line", yAxisIndex: 1, data: data.rates, connectNulls: true, itemStyle: { color: "#c0392b" } }
      ]
    });
    el.setAttribute("data-drawn", String(data.labels.length));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    var el = document.getElementById("satisfaction-chart");
    var source = document.getElementById("satisfaction-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    draw(el, JSON.parse(source.textContent));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
