/* A point's curves with ECharts: measured and converted values, the permit limit as a
   line, invalid and for-review values marked, an alarm's period shaded. Data come from
   the page itself (json_script), so the chart and the Excel export show the same values. */
(function () {
  "use strict";
  document.querySelectorAll("[data-series-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.seriesChart);
    if (!source || typeof echarts === "undefined") return;
    var d = JSON.parse(source.textContent);
    var L = d.labels;
    if (!d.t.length) {
      el.classList.add("d-flex", "align-items-center", "justify-content-center", "text-body-secondary");
      el.textContent = L.empty;
      return;
    }
    var pairs = function (ys) { return d.t.map(function (t, i) { return [t, ys[i]]; }); };
    var marked = function (status) {
      var ys = d.converted && d.limit !== null && d.converted.some(function (v) { return v !== null; }) ? d.converted : d.value;
      return d.t.map(function (t, i) { return d.status[i] === status ? [t, ys[i] !== null ? ys[i] : d.value[i]] : null; })
        .filter(function (p) { return p && p[1] !== null; });
    };
    var series = [{
      name: L.measured, type: "line", data: pairs(d.value), showSymbol: false, sampling: "lttb",
      lineStyle: { width: 1.5 }, connectNulls: false,
      markLine: d.limit === null ? undefined : {
        symbol: "none", silent: true, label: { formatter: L.limit + " {c}", position: "insideEndTop" },
        lineStyle: { color: "#dc3545", type: "dashed" },
        // a range limit (pH 6–9) draws both of its bounds
        data: [{ yAxis: d.limit }].concat(d.lower_limit === null ? [] : [{ yAxis: d.lower_limit }]),
      },
      markArea: d.marks.length ? {
        silent: true, itemStyle: { color: "rgba(220,53,69,0.10)" },
        // the alarm's own time in red; declared maintenance or shutdown in blue, named
        data: d.marks.map(function (m) {
          return m.kind === "declared"
            ? [{ xAxis: m.from, name: m.label, itemStyle: { color: "rgba(13,110,253,0.10)" },
                 label: { show: true, position: "insideTop", color: "#0d6efd", fontSize: 11 } },
               { xAxis: m.to }]
            : [{ xAxis: m.from }, { xAxis: m.to }];
        }),
      } : undefined,
    }];
    if (d.converted) {
      series.push({ name: L.converted, type: "line", data: pairs(d.converted), showSymbol: false,
        sampling: "lttb", lineStyle: { width: 1.5 } });
    }
    if (d.min && d.max) {
      series.push({ name: L.min, type: "line", data: pairs(d.min), showSymbol: false,
        lineStyle: { width: 0.5, opacity: 0.5 } });
      series.push({ name: L.max, type: "line", data: pairs(d.max), showSymbol: false,
        lineStyle: { width: 0.5, opacity: 0.5 } });
    }
    series.push({ name: L.invalid, type: "scatter", data: marked("invalid"), symbol: "diamond",
      symbolSize: 9, itemStyle: { color: "#6f42c1" } });
    series.push({ name: L.review, type: "scatter", data: marked("review"), symbol: "triangle",
      symbolSize: 9, itemStyle: { color: "#fd7e14" } });
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 64, bottom: 64 },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : (+v).toFixed(3) + " " + d.unit; } },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: d.unit, scale: true, nameTextStyle: { align: "left" } },
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8 }],
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
