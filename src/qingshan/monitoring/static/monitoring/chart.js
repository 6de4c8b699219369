/* A point's curves with ECharts: measured and converted values, the permit limit as a
   line, invalid and for-review values marked, an alarm's period shaded. Data come from
   the page itself (json_script), so the chart and the Excel export show the same values.

   Times are China time (UTC+8, no daylight saving) whatever the browser's zone, as every
   time on the page is: ECharts draws a time axis in the browser's zone, so the chart runs
   in UTC (useUTC) on times moved forward by eight hours, and labels and tooltips are
   formatted here from those. A value with no neighbour (a single hour, a value between
   gaps) is drawn as a dot: a line needs two. The value axis always reaches the limit, so
   the limit line is on the chart even when every value is far below it. */
(function () {
  "use strict";
  var CHINA = 8 * 3600 * 1000;
  var COLOURS = { measured: "#0d6efd", converted: "#198754", range: "#adb5bd", limit: "#dc3545" };

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // a shifted time (China wall clock read in UTC) as text; ``kind`` sets the precision
  function clock(t, kind) {
    var x = new Date(t);
    var day = x.getUTCFullYear() + "-" + pad(x.getUTCMonth() + 1) + "-" + pad(x.getUTCDate());
    if (kind === "day") return day;
    var time = day + " " + pad(x.getUTCHours()) + ":" + pad(x.getUTCMinutes());
    return kind === "rtd" ? time + ":" + pad(x.getUTCSeconds()) : time;
  }

  // a round number at or above ``x`` (1, 2, 5 × a power of ten): the top of the axis
  function roundUp(x) {
    if (!(x > 0)) return x;
    var step = Math.pow(10, Math.floor(Math.log10(x)));
    var nice = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < nice.length; i++) if (nice[i] * step >= x) return nice[i] * step;
    return 10 * step;
  }

  // [t, y] pairs with a null wherever a period is missing (more than one and a half of
  // the data's step from the last one): the line breaks at a gap instead of bridging it
  function gapped(ts, ys, step) {
    var out = [];
    ts.forEach(function (t, i) {
      if (i > 0 && t - ts[i - 1] > 1.5 * step) out.push([ts[i - 1] + step, null]);
      out.push([t, ys[i]]);
    });
    return out;
  }

  // the usual distance between two values (their median): loggers send minute data
  // every 1 to 10 minutes, real-time data every 30 s or so
  function typicalStep(ts) {
    var diffs = [];
    for (var i = 1; i < ts.length; i++) diffs.push(ts[i] - ts[i - 1]);
    diffs.sort(function (a, b) { return a - b; });
    return diffs.length ? diffs[Math.floor(diffs.length / 2)] : 0;
  }

  // values with no value on either side: a line draws nothing for them
  function isolated(pairs) {
    return pairs.filter(function (p, i) {
      return p[1] !== null && (i === 0 || pairs[i - 1][1] === null) &&
        (i === pairs.length - 1 || pairs[i + 1][1] === null);
    });
  }

  function lineWithDots(name, ts, ys, step, colour, extra) {
    var pairs = gapped(ts, ys, step);
    var line = Object.assign({ name: name, type: "line", data: pairs, showSymbol: false,
      sampling: "lttb", connectNulls: false, lineStyle: { width: 1.5 },
      itemStyle: { color: colour } }, extra || {});
    var dots = isolated(pairs);
    if (!dots.length) return [line];
    return [line, { name: name, type: "scatter", data: dots, symbolSize: 6, itemStyle: { color: colour },
      tooltip: { show: false } }];
  }

  // the limit line is always in range (a tenth of head room above it), a lower limit too
  function valueAxis(d) {
    var axis = { type: "value", name: d.unit, scale: true, nameTextStyle: { align: "left" } };
    if (d.limit !== null) axis.max = function (v) { return roundUp(Math.max(v.max, d.limit * 1.1)); };
    if (d.lower_limit !== null) axis.min = function (v) { return Math.min(v.min, d.lower_limit * 0.9); };
    return axis;
  }

  function render(el, d) {
    var L = d.labels;
    var ts = d.t.map(function (t) { return t + CHINA; });
    var step = typicalStep(ts) || (d.step || 3600) * 1000;
    var named = d.marks.length <= 3;  // more names than that overlap: shown on hover
    var marked = function (status) {
      var ys = d.converted && d.limit !== null && d.converted.some(function (v) { return v !== null; }) ? d.converted : d.value;
      return ts.map(function (t, i) { return d.status[i] === status ? [t, ys[i] !== null ? ys[i] : d.value[i]] : null; })
        .filter(function (p) { return p && p[1] !== null; });
    };
    var measured = lineWithDots(L.measured, ts, d.value, step, COLOURS.measured, {
      markLine: d.limit === null ? undefined : {
        symbol: "none", silent: true, label: { formatter: L.limit + " {c}", position: "insideEndTop" },
        lineStyle: { color: COLOURS.limit, type: "dashed" },
        // a range limit (pH 6–9) draws both of its bounds
        data: [{ yAxis: d.limit }].concat(d.lower_limit === null ? [] : [{ yAxis: d.lower_limit }]),
      },
      markArea: d.marks.length ? {
        silent: named, itemStyle: { color: "rgba(220,53,69,0.10)" },
        // the alarm's own time in red; declared maintenance or shutdown in blue, named
        data: d.marks.map(function (m) {
          var label = { show: named, position: "insideTop", color: "#0d6efd", fontSize: 11 };
          return m.kind === "declared"
            ? [{ xAxis: m.from + CHINA, name: m.label, itemStyle: { color: "rgba(13,110,253,0.10)" },
                 label: label, emphasis: { label: Object.assign({}, label, { show: true }) } },
               { xAxis: m.to + CHINA }]
            : [{ xAxis: m.from + CHINA }, { xAxis: m.to + CHINA }];
        }),
      } : undefined,
    });
    var series = measured;
    if (d.converted) series = series.concat(lineWithDots(L.converted, ts, d.converted, step, COLOURS.converted));
    if (d.min && d.max) {
      [[L.min, d.min], [L.max, d.max]].forEach(function (pair) {
        series.push({ name: pair[0], type: "line", data: gapped(ts, pair[1], step),
          showSymbol: false, itemStyle: { color: COLOURS.range }, lineStyle: { width: 0.5, opacity: 0.6 } });
      });
    }
    series.push({ name: L.invalid, type: "scatter", data: marked("invalid"), symbol: "diamond",
      symbolSize: 9, itemStyle: { color: "#6f42c1" } });
    series.push({ name: L.review, type: "scatter", data: marked("review"), symbol: "triangle",
      symbolSize: 9, itemStyle: { color: "#fd7e14" } });
    var unit = function (v) { return v === null || v === undefined ? "—" : (+v).toFixed(3) + " " + d.unit; };
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      useUTC: true,  // the times are China time moved into UTC (see above)
      grid: { left: 56, right: 16, top: 64, bottom: 64 },
      legend: { top: 0, type: "scroll" },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          if (!items.length) return "";
          var lines = [clock(items[0].value[0], d.kind)];
          items.forEach(function (p) {
            if (p.seriesType === "line") lines.push(p.marker + p.seriesName + "　" + unit(p.value[1]));
          });
          return lines.join("<br>");
        },
      },
      xAxis: {
        type: "time",
        // one value still gets an axis around it
        min: ts.length === 1 ? ts[0] - step : undefined,
        max: ts.length === 1 ? ts[0] + step : undefined,
        axisLabel: { hideOverlap: true, formatter: {
          year: "{yyyy}", month: "{yyyy}-{MM}", day: "{MM}-{dd}", hour: "{HH}:{mm}",
          minute: "{HH}:{mm}", second: "{HH}:{mm}:{ss}", millisecond: "{HH}:{mm}:{ss}",
        } },
      },
      yAxis: valueAxis(d),
      dataZoom: [{ type: "inside" }, { type: "slider", height: 20, bottom: 8,
        labelFormatter: function (v) { return clock(v, d.kind); } }],
      series: series,
    });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  document.querySelectorAll("[data-series-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.seriesChart);
    if (!source || typeof echarts === "undefined") return;
    var d = JSON.parse(source.textContent);
    if (!d.t.length) {
      el.classList.add("d-flex", "align-items-center", "justify-content-center", "text-body-secondary");
      el.textContent = d.labels.empty;
      return;
    }
    render(el, d);
  });
})();
