// Charts of the desk figures page (ECharts). Data from <script id="desk-figures-data" type="application/json">.
(function () {
  "use strict";

  function chart(name, option) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el) { return; }
    echarts.init(el).setOption(option);
    el.setAttribute("data-drawn", "1");
  }

  function draw() {
    var source = document.getElementById("desk-figures-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var t = d.labels;
    chart("days", {
      tooltip: { trigger: "axis" },
      legend: { data: [t.tickets, t.appointments, t.wait] },
      xAxis: { type: "category", data: d.days },
      yAxis: [{ type: "value" }, { type: "value", name: t.wait }],
      series: [
        { name: t.tickets, type: "bar", data: d.day_tickets },
        { name: t.appointments, type: "bar", data: d.day_appointments },
        { name: t.wait, type: "line", yAxisIndex: 1, data: d.day_wait }
      ]
    });
    chart("scores", { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"], data: d.scores }] });
    chart("services", {
      tooltip: { trigger: "axis" },
      legend: { data: [t.wait_mean, t.serve_mean] },
      xAxis: { type: "category", data: d.services, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ name: t.wait_mean, type: "bar", data: d.service_wait }, { name: t.serve_mean, type: "bar", data: d.service_serve }]
    });
    chart("counters", {
      tooltip: { trigger: "axis" },
      legend: { data: [t.good_rate, t.serve_mean] },
      xAxis: { type: "category", data: d.counters },
      yAxis: [{ type: "value", max: 100, name: "%" }, { type: "value" }],
      series: [{ name: t.good_rate, type: "bar", data: d.counter_good }, { name: t.serve_mean, type: "line", yAxisIndex: 1, data: d.counter_serve }]
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
