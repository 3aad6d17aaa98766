// 行车卫士 yearly figures (ECharts): data from <script type="application/json" id="vehicle-figures-data">.
// Bars: trackers installed by type (left axis); lines: thefts and recoveries (middle axis), payouts in yuan (right).
(function () {
  "use strict";

  function init() {
    var el = document.getElementById("vehicle-figures-chart");
    var source = document.getElementById("vehicle-figures-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: data.series.map(function (s) { return s.name; }) },
      grid: { left: 60, right: 120, top: 60, bottom: 30 },
      xAxis: { type: "category", data: data.years },
      yAxis: [
        { type: "value", name: data.axes[0], minInterval: 1 },
        { type: "value", name: data.axes[1], minInterval: 1 },
        { type: "value", name: data.axes[2], offset: 60 }
      ],
      series: data.series.map(function (s) {
        return { name: s.name, type: s.axis === 0 ? "bar" : "line", yAxisIndex: s.axis, data: s.data, stack: s.axis === 0 ? "installed" : undefined };
      })
    });
    el.setAttribute("data-drawn", String(data.years.length));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
