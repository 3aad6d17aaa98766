// Charts of the KPI dashboard (ECharts). Data from <script id="kpi-data" type="application/json">.
// Every bar and point is clickable: it opens the figure's drill-down list for that month, unit,
// officer or community, with the page's filters.
(function () {
  "use strict";

  function drillUrl(d, key, extra) {
    var url = d.drill.replace("__key__", key) + "?" + d.query;
    return extra ? url + "&" + extra : url;
  }

  function monthQuery(d, month) {
    var parts = month.split("-");
    var y = parseInt(parts[0], 10), m = parseInt(parts[1], 10);
    var last = new Date(y, m, 0).getDate();
    var q = d.query.replace(/(^|&)(period|start|end)=[^&]*/g, "");
    return q + "&period=custom&start=" + month + "-01&end=" + month + "-" + (last < 10 ? "0" : "") + last;
  }

  function line(el, d, keys, opts) {
    var chart = echarts.init(el);
    var names = d.labels.names;
    var series = keys.map(function (k) {
      return { name: names[k], type: opts.type || "line", data: d.series[k], connectNulls: true, key: k, yAxisIndex: (opts.right && opts.right.indexOf(k) >= 0) ? 1 : 0 };
    });
    if (opts.previous) {
      series.push({ name: names[opts.previous] + " · " + d.labels.last_year, type: "bar", data: d.series[opts.previous + "_previous"], key: opts.previous });
    }
    var yAxis = [{ type: "value", name: opts.unit || "" }];
    if (opts.right) { yAxis.push({ type: "value", name: opts.rightUnit || "" }); }
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: series.map(function (s) { return s.name; }) },
      xAxis: { type: "category", data: d.series.months },
      yAxis: yAxis,
      series: series
    });
    chart.on("click", function (p) {
      var s = series[p.seriesIndex];
      if (!s) { return; }
      var month = d.series.months[p.dataIndex];
      window.location.href = d.drill.replace("__key__", s.key) + "?" + monthQuery(d, month);
    });
    el.setAttribute("data-drawn", "1");
  }

  function breakdown(el, d) {
    var b = d.breakdown;
    var rows = b.rows.filter(function (r) { return r.value !== null; }).slice(0, 30);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 120 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }), inverse: true },
      series: [{ type: "bar", name: d.labels.names[b.key], data: rows.map(function (r) { return r.value; }) }]
    });
    chart.on("click", function (p) {
      var r = rows[p.dataIndex];
      if (r && r.key !== null) { window.location.href = drillUrl(d, b.key, b.group + "=" + r.key); }
    });
    el.setAttribute("data-drawn", "1");
  }

  function draw() {
    var source = document.getElementById("kpi-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var el = document.querySelector('[data-chart="rates"]');
    if (el) { line(el, d, ["callback_satisfaction", "mediation_success", "mediation_fulfilment"], { unit: "%" }); }
    el = document.querySelector('[data-chart="redlines"]');
    if (el) { line(el, d, ["later_offence", "redline_unfiled", "redline_overdue", "redline_lax"], { type: "bar", unit: d.labels.counts }); }
    el = document.querySelector('[data-chart="vehicles"]');
    if (el) { line(el, d, ["vehicles_recovered", "insurance_paid"], { type: "bar", unit: d.labels.counts, right: ["insurance_paid"], rightUnit: d.labels.money }); }
    el = document.querySelector('[data-chart="fraud"]');
    if (el) { line(el, d, ["fraud_cases"], { type: "bar", unit: d.labels.counts, previous: "fraud_cases" }); }
    el = document.querySelector('[data-chart="breakdown"]');
    if (el) { breakdown(el, d); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
