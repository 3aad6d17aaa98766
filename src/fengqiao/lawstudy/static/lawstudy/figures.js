// Charts of the law-study figures page (ECharts). Data from <script id="lawstudy-figures-data" type="application/json">.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("lawstudy-figures-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var el = document.querySelector('[data-chart="weekly"]');
    if (!el) { return; }
    echarts.init(el).setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [d.labels.rate, d.labels.quiz] },
      xAxis: { type: "category", data: d.days },
      yAxis: { type: "value", max: 100 },
      series: [
        { name: d.labels.rate, type: "line", data: d.rates },
        { name: d.labels.quiz, type: "bar", data: d.quiz }
      ]
    });
    el.setAttribute("data-drawn", "1");
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
